import { writeReports } from '../report/write.js';
import type { Results } from '../model/results.js';
import { assembleResults } from '../analyse/assemble.js';
import type { LabContext } from './context.js';

const pending = new WeakMap<LabContext, Promise<unknown>>();

/**
 * Writes results.json (and, at the end, the reports) from the context. Saves are queued one after another:
 * parallel repetitions finish at any moment, and two writes of one file must not interleave.
 */
export function saveResults(context: LabContext, completion: { complete: boolean; reason: string | null }): Promise<Results> {
  const previous = pending.get(context) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(async () => {
    const harness = await context.harness.read();
    const results = assembleResults(
      {
        ...context,
        execution: context.concurrency && {
          parallel: context.concurrency.parallel,
          requested: context.concurrency.requested,
          reason: context.concurrency.reason,
          order: [...context.order],
          backoffs: context.concurrency.backoffs ?? [],
        },
        harness: { ...harness, cpuSecondsPerRepetition: context.records.length ? harness.cpuSeconds / context.records.length : null },
      },
      [...context.records],
      completion,
    );
    // Between repetitions only the data: charts of a growing run cost more each time; the end renders them.
    if (context.dir) await writeReports(context.dir, results, { dataOnly: completion.reason === 'in progress' });
    return results;
  });
  pending.set(context, next);
  return next;
}
