import { backOff } from '../concurrency.js';
import { InterruptedError } from '../errors.js';
import type { RunSpec } from '../model/plan.js';
import type { RunRecord } from '../model/results.js';
import type { LabContext } from './context.js';
import { describeRecord, runRepetition } from './repetition.js';
import { saveResults } from './save.js';
import { retryPolicy, withRetries } from './retry.js';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const sent = (run: RunSpec) => (run.workload.kind === 'sample' ? `GET ${run.request.path} (${run.request.bodyMiB} MiB)` : run.workload.targets.map((target) => `${target.method} ${target.path}`).join(', '));

function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  return whole >= 60 ? `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
}

/**
 * Runs repetitions with at most context.concurrency.parallel in flight, in the given order. After an error or
 * Ctrl-C no new one starts; those in flight end (their load stopped by the signal, their instances removed)
 * before this returns, and only finished repetitions are recorded.
 */
export async function runScheduled(context: LabContext, runs: RunSpec[], label: (index: number, total: number) => string): Promise<RunRecord[]> {
  const { progress, signal, built, dir } = context;
  if (!built || !dir) throw new Error('repetitions scheduled before build and provision');
  const parallel = Math.max(1, Math.min(context.concurrency?.parallel ?? 1, runs.length));
  const records: RunRecord[] = new Array(runs.length);
  const started = Date.now();
  let next = 0;
  let running = 0;
  let finished = 0;
  let failed = 0;
  let firstError: unknown = null;
  const status = () => {
    const remaining = runs.length - finished;
    const eta = finished && remaining ? `, ETA ${formatDuration(((Date.now() - started) / 1000 / finished) * remaining)}` : '';
    progress.status?.(`[${finished}/${runs.length}] ${running} running, ${failed} failed${eta}`);
  };
  // A worker past the (backed-off) concurrency retires after its repetition.
  const worker = async (slot: number) => {
    while (next < runs.length && firstError === null && !signal.aborted && slot < (context.concurrency?.parallel ?? 1)) {
      const index = next++;
      const run = runs[index]!;
      context.ledger.started(run.id);
      running += 1;
      progress.step(`${label(index, runs.length)} ${run.id}: ${run.request.count} × ${sent(run)} under ${mib(run.memoryLimitBytes)}${run.resizeToBytes === null ? '' : ` resized to ${mib(run.resizeToBytes)}`}`);
      let record: RunRecord;
      try {
        record = await withRetries(run, retryPolicy(context), () => runRepetition(context.runtime, built, run, dir, signal));
      } catch (error) {
        running -= 1;
        firstError ??= error;
        continue;
      }
      records[index] = record;
      context.ledger.finished(record);
      finished += 1;
      if (!record.survived) failed += 1;
      running -= 1;
      progress.info(describeRecord(record));
      const lowered = context.concurrency && backOff(context.concurrency, { id: record.id, starvedBecause: record.contention?.starvedBecause ?? null });
      if (lowered) {
        context.concurrency = lowered;
        progress.info(`backing off to ${lowered.parallel} at once: ${record.id} was starved (${record.contention?.starvedBecause})`);
      }
      if (parallel > 1) status();
      await saveResults(context, { complete: false, reason: 'in progress' }).catch((error: unknown) => void (firstError ??= error));
    }
  };
  await Promise.all(Array.from({ length: parallel }, (_, slot) => worker(slot)));
  if (signal.aborted) throw new InterruptedError(String(signal.reason ?? 'signal'));
  if (firstError !== null) throw firstError;
  return records;
}
