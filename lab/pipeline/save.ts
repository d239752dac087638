import { writeReports } from '../report/write.js';
import type { Results } from '../model/results.js';
import { assembleResults } from '../analyse/assemble.js';
import type { LabContext } from './context.js';

/** Writes results.json (and, at the end, the reports) from the context, through its ledger's save queue. */
export function saveResults(context: LabContext, completion: { complete: boolean; reason: string | null }): Promise<Results> {
  return context.ledger.save(async ({ records, order, retried }) => {
    const harness = await context.harness.read();
    const results = assembleResults(
      {
        ...context,
        retried,
        execution: context.concurrency && {
          parallel: context.concurrency.parallel,
          requested: context.concurrency.requested,
          reason: context.concurrency.reason,
          order,
          backoffs: context.concurrency.backoffs ?? [],
        },
        harness: { ...harness, cpuSecondsPerRepetition: records.length ? harness.cpuSeconds / records.length : null },
      },
      records,
      completion,
    );
    // Between repetitions only the data: charts of a growing run cost more each time; the end renders them.
    if (context.dir) await writeReports(context.dir, results, { dataOnly: completion.reason === 'in progress' });
    return results;
  });
}
