// A repetition tried again while the lab, not the service, spoiled it: harness faults never count as deaths.
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_RETRIES } from '../concurrency.js';
import { errorMessage } from '../errors.js';
import type { RetriedFault, RunRecord } from '../model/results.js';
import type { RunSpec } from '../model/plan.js';
import type { Progress } from '../progress.js';
import type { Runtime, Unavailable } from '../runtimes/runtime.js';
import type { RunLedger } from './ledger.js';

/** How long a retry waits for the runtime to come back (a dockerd restart; a kind API server after it). */
export const RECOVERY_SECONDS = 120;

export interface RetryPolicy {
  retries: number;
  signal: AbortSignal;
  progress: Pick<Progress, 'info'>;
  /** Where each spoiled try is recorded (the ledger: results.json retried[]). */
  triedAgain(fault: RetriedFault): void;
  /** Why the runtime cannot start an instance now, or null (Runtime.unavailable). */
  unavailable(): Promise<Unavailable | null>;
  recoverySeconds?: number;
}

export const retryPolicy = (context: { options: { retries?: number }; signal: AbortSignal; progress: Progress; ledger: RunLedger; runtime: Pick<Runtime, 'unavailable'> }): RetryPolicy => ({
  retries: context.options.retries ?? DEFAULT_RETRIES,
  signal: context.signal,
  progress: context.progress,
  triedAgain: (fault) => context.ledger.triedAgain(fault),
  unavailable: () => context.runtime.unavailable(),
});

/** The runtime's own answer; a question it cannot answer (its engine gone) is an answer too. */
const runtimeDown = (policy: RetryPolicy): Promise<Unavailable | null> => policy.unavailable().catch((error: unknown) => ({ reason: errorMessage(error) }));

/**
 * Waits until the runtime can start instances again, saying once what it waits for; throws with the last reason
 * when it has not come back within the policy's seconds, and the run stops with that one line. `seen` is an answer
 * the caller already has, so the runtime is not asked twice in a row.
 */
export async function awaitRuntime(policy: RetryPolicy, seen?: Unavailable | null): Promise<void> {
  const seconds = policy.recoverySeconds ?? RECOVERY_SECONDS;
  const deadline = performance.now() + seconds * 1000;
  let said = false;
  for (let down = seen === undefined ? await runtimeDown(policy) : seen; ; down = await runtimeDown(policy)) {
    if (down === null) return;
    if (down.lasting) throw new Error(`the runtime cannot go on: ${down.reason}`);
    if (performance.now() >= deadline) throw new Error(`the runtime did not come back within ${seconds} s: ${down.reason}`);
    if (!said) policy.progress.info(`waiting up to ${seconds} s for the runtime: ${down.reason}`);
    said = true;
    await sleep(1000, undefined, { signal: policy.signal });
  }
}

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
    // What a lost request or a failed call looked like from inside, said from outside when the runtime went away.
    const down = await runtimeDown(policy);
    if (down) cause = `${cause}; ${down.reason}`;
    policy.triedAgain({ id: run.id, variant: run.variant, attempt, startedAt, cause });
    policy.progress.info(`${run.id}: harness fault, not counted (${cause}); trying again (${attempt + 1} of ${policy.retries + 1})`);
    await awaitRuntime(policy, down);
  }
}
