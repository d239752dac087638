import type { ConcurrencyChoice, ParallelRequest } from '../concurrency.js';
import type { Plan, PlanOptions } from '../model/plan.js';
import type { Progress } from '../progress.js';
import type { Frontier, Results } from '../model/results.js';
import type { RunLedger } from './ledger.js';
import type { Runtime, RuntimeInfo } from '../runtimes/runtime.js';
import type { BuildOutput } from '../build/sample.js';
import type { RuntimeFlagValues } from '../runtimes/flags.js';
import type { RuntimeName } from '../runtimes/registry.js';
import type { ResolvedVariant } from '../model/variants.js';
import type { GoRequest, NotApplicable } from '../model/go-choice.js';
import type { AdaptiveOutcome } from '../model/adaptive.js';
import type { HarnessMeter } from './harness.js';
import type { ServiceFlags } from '../model/service-flags.js';

/** ServiceFlags: a service to run in place of the sample (--service-image and friends). */
export interface LabOptions extends RuntimeFlagValues, ServiceFlags {
  scenario: string;
  runtime: RuntimeName;
  reps?: number | 'auto';
  /** With --reps auto: the time budget and the precision that stops early. */
  adaptive?: PlanOptions['adaptive'];
  variants?: string[];
  out?: string;
  /** Repetitions at once (default auto). */
  parallel?: ParallelRequest;
  /** Tries again for a repetition that ended in a harness fault (default DEFAULT_RETRIES). */
  retries?: number;
  /** The Go for the sample where the scenario names none; absent: the lab's pin. */
  go?: GoRequest;
}

/** The one context every step of a run reads and adds to; data flows one way, step by step. */
export interface LabContext {
  readonly runId: string;
  readonly plan: Plan;
  readonly options: LabOptions;
  readonly runtime: Runtime;
  readonly progress: Progress;
  readonly signal: AbortSignal;
  readonly startedAt: string;
  readonly harness: HarnessMeter;
  runtimeInfo: RuntimeInfo | null;
  concurrency: ConcurrencyChoice | null;
  /** The run folder, once provisioning worked (nothing is written before). */
  dir: string | null;
  built: BuildOutput | null;
  toolVersions: Record<string, string>;
  /** Variants whose sample does not build on their Go release: not run, and listed with the reason. */
  notApplicable: NotApplicable[];
  /** The variants to summarise: the plan's, or the frontier probes run so far. */
  variants: ResolvedVariant[];
  /** The repetitions: started, finished, tried again, and saved (the only writer of them). */
  readonly ledger: RunLedger;
  frontier?: Frontier[];
  /** --reps auto: the rounds so far, and why they stopped. */
  adaptive?: AdaptiveOutcome;
  /** The saved results, once the last step wrote them. */
  results: Results | null;
}
