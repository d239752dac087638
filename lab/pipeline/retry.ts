// A repetition tried again while the lab, not the service, spoiled it: harness faults never count as deaths.
import { DEFAULT_RETRIES } from '../concurrency.js';
import { errorMessage } from '../errors.js';
import type { RetriedFault, RunRecord } from '../model/results.js';
import type { RunSpec } from '../model/plan.js';
import type { Progress } from '../progress.js';
import type { RunLedger } from './ledger.js';

export interface RetryPolicy {
  retries: number;
  signal: AbortSignal;
  progress: Pick<Progress, 'info'>;
  /** Where each spoiled try is recorded (the ledger: results.json retried[]). */
  triedAgain(fault: RetriedFault): void;
}

export const retryPolicy = (context: { options: { retries?: number }; signal: AbortSignal; progress: Progress; ledger: RunLedger }): RetryPolicy => ({
  retries: context.options.retries ?? DEFAULT_RETRIES,
  signal: context.signal,
  progress: context.progress,
  triedAgain: (fault) => context.ledger.triedAgain(fault),
});

/**
 * Runs `tryOnce` until it gives a record that is not a harness fault, or the retries are spent. A throw (an engine
 * error, a lost probe) is a harness fault too; once the retries are spent it propagates, and the run stops with it.
 * A record still a harness fault after the last try is returned as it is: the report lists it, survival ignores it.
 */
export async function withRetries(run: RunSpec, policy: RetryPolicy, tryOnce: () => Promise<RunRecord>): Promise<RunRecord> {
  for (let attempt = 1; ; attempt++) {
    const startedAt = new Date().toISOString();
    let record: RunRecord | null = null;
    let cause: string;
    try {
      record = await tryOnce();
      if (record.outcome !== 'harness-fault') return { ...record, attempt };
      cause = record.cause;
    } catch (error) {
      if (policy.signal.aborted) throw error;
      if (attempt > policy.retries) throw error;
      cause = `the lab failed: ${errorMessage(error)}`;
    }
    if (attempt > policy.retries || policy.signal.aborted) return { ...record!, attempt };
    policy.triedAgain({ id: run.id, variant: run.variant, attempt, startedAt, cause });
    policy.progress.info(`${run.id}: harness fault, not counted (${cause}); trying again (${attempt + 1} of ${policy.retries + 1})`);
  }
}
