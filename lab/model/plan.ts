import { seededShuffle } from '../concurrency.js';
import { UsageError } from '../errors.js';
import type { FrontierSpec, Scenario } from './scenario.js';
import { mergeGodebug, type RequestTarget } from './service.js';
import { resolveVariants, type BuildFlavour, type ResolvedVariant } from './variants.js';
import { PINNED_GO, type GoRequest } from './go-choice.js';
import type { AdaptiveSpec } from './adaptive.js';
import type { RuntimeName } from '../runtimes/registry.js';

/** --reps auto's defaults: ten minutes, and intervals whose family-wise error is 5%. */
export const ADAPTIVE_DEFAULTS = { budgetSeconds: 600, precision: null, alpha: 0.05 } as const;

export interface PlanOptions {
  runtime: RuntimeName;
  /** Repetitions per variant, or auto: in rounds until the decision is clear or `adaptive`'s budget is spent. */
  reps?: number | 'auto';
  /** With reps auto: the budget and precision (defaults: 10 minutes, none). */
  adaptive?: Partial<Pick<AdaptiveSpec, 'budgetSeconds' | 'precision'>>;
  variants?: string[];
  /** The Go for variants whose scenario names none (default: the lab's pin). */
  go?: GoRequest;
}

/** The lab's sample listens here. */
export const SAMPLE_PORT = 5500;

/** What a repetition runs and sends: the lab's sample, or a user's service. */
export interface Workload {
  kind: 'sample' | 'service';
  /** The image to run; null: the sample image the build step makes for the run's flavour. */
  image: string | null;
  port: number;
  args: string[];
  /** Ready once it printed a line containing `log` (if set) and GET `path` answers 2xx; with no path, any HTTP answer on /. */
  readiness: { path: string | null; log: string | null; timeoutSeconds: number };
  /** Environment beside run.env that is not part of the variant (the sample's default body size). */
  env: Record<string, string>;
  /** What the load generator sends, in turn; paths are relative to the instance. */
  targets: RequestTarget[];
}

/** Everything one repetition needs, resolved: no defaults are looked up after planning. */
export interface RunSpec {
  id: string;
  variant: string;
  rep: number;
  lifecycle: Scenario['lifecycle'];
  env: Record<string, string>;
  /** How GOMEMLIMIT is set, so kind can use the Downward API for ratio 1. */
  gomemlimit: { ratio: number; bytes: number } | null;
  memoryLimitBytes: number;
  /** Resize the running instance's memory limit to this before the requests; null: no resize. */
  resizeToBytes: number | null;
  resizeSettleSeconds: number;
  memoryRequestBytes: number;
  cpuLimitMillis: number;
  cpuRequestMillis: number;
  build: BuildFlavour;
  workload: Workload;
  request: {
    path: string;
    bodyMiB: number;
    count: number;
    concurrency: number;
    intervalSeconds: number;
    timeoutSeconds: number;
    budgetSeconds?: number;
    stopOnFailure: boolean;
  };
}

export interface Plan {
  scenario: Scenario;
  runtime: RuntimeName;
  reps: number;
  /** Resolved (swept) variants; a frontier search adds its probes as it goes. */
  variants: ResolvedVariant[];
  /** The fixed repetitions; empty when the scenario searches a frontier instead. */
  runs: RunSpec[];
  frontier: FrontierSpec | null;
  /** --reps auto: rounds until a clear decision or the budget's end; runs is then empty and the rounds are planned as they go. */
  adaptive: AdaptiveSpec | null;
  /** The Go asked for where the scenario names none, and where that came from. */
  go: GoRequest;
}

/** Names select scenario variants (with all their sweep expansions) or single expanded variants. */
function selectVariants(scenario: Scenario, resolved: ResolvedVariant[], names: string[] | undefined): ResolvedVariant[] {
  if (!names || names.length === 0) return resolved;
  for (const name of names) {
    if (!resolved.some((variant) => variant.base === name || variant.name === name)) {
      const known = scenario.variants.map((candidate) => candidate.name).join(', ');
      throw new UsageError(`unknown variant "${name}" in scenario ${scenario.name}: known variants are ${known}`);
    }
  }
  return resolved.filter((variant) => names.includes(variant.base) || names.includes(variant.name));
}

/** The one place the GOMEMLIMIT bytes are computed: the ratio of the variant's own limit, rounded down. */
export function configuredGomemlimit(variant: ResolvedVariant): number | null {
  return variant.gomemlimitRatio === null ? null : Math.floor(variant.memoryLimitBytes * variant.gomemlimitRatio);
}

/** The lab's settings on top of the variant's: gctrace always, and GOMEMLIMIT from the ratio; a service keeps its own GODEBUG settings. */
export function variantEnv(variant: ResolvedVariant, scenario: Pick<Scenario, 'datasetSeed' | 'service'>): Pick<RunSpec, 'env' | 'gomemlimit'> {
  const own: Record<string, string> = scenario.service ? scenario.service.env : { DATASET_SEED: String(scenario.datasetSeed) };
  const env: Record<string, string> = { GODEBUG: '', ...own, ...variant.env }; // GODEBUG keeps its place first
  env.GODEBUG = mergeGodebug([own.GODEBUG, variant.env.GODEBUG], { gctrace: '1' }); // a variant's GODEBUG adds to the service's
  let gomemlimit: RunSpec['gomemlimit'] = null;
  const bytes = configuredGomemlimit(variant);
  if (variant.gomemlimitRatio !== null && bytes !== null) {
    gomemlimit = { ratio: variant.gomemlimitRatio, bytes };
    env.GOMEMLIMIT = String(bytes); // a bare integer, exactly as resourceFieldRef limits.memory renders it
  }
  return { env, gomemlimit };
}

function workloadOf(scenario: Scenario, variant: ResolvedVariant): Workload {
  const { service } = scenario;
  if (!service) {
    return {
      kind: 'sample',
      image: null,
      port: SAMPLE_PORT,
      args: [],
      readiness: { path: '/healthz', log: '"msg":"listening"', timeoutSeconds: 60 },
      env: { BODY_MIB: String(variant.bodyMiB) },
      targets: [{ method: 'GET', path: `${variant.path}?mib=${variant.bodyMiB}`, headers: {} }],
    };
  }
  const readiness = service.readiness;
  return {
    kind: 'service',
    image: service.image,
    port: service.port,
    args: service.args,
    readiness: {
      path: readiness && 'path' in readiness ? readiness.path : null,
      log: readiness && 'log' in readiness ? readiness.log : null,
      timeoutSeconds: service.readyTimeoutSeconds,
    },
    env: {},
    targets: service.requests.targets,
  };
}

/** The repetitions of one resolved variant. */
export function variantRuns(scenario: Scenario, variant: ResolvedVariant, reps: number[]): RunSpec[] {
  const count = Math.max(variant.request.count ?? scenario.request.count, variant.concurrency);
  return reps.map((rep) => ({
    id: `${variant.name}-${rep}`,
    variant: variant.name,
    rep,
    lifecycle: scenario.lifecycle,
    ...variantEnv(variant, scenario),
    memoryLimitBytes: variant.memoryLimitBytes,
    resizeToBytes: variant.resizeToBytes,
    resizeSettleSeconds: variant.resizeSettleSeconds,
    // Kubernetes refuses a request above the limit: a swept limit below it takes the request down with it.
    memoryRequestBytes: Math.min(scenario.container.memoryRequest, variant.memoryLimitBytes, variant.resizeToBytes ?? Infinity),
    cpuLimitMillis: variant.cpuLimitMillis,
    // A request above the limit is refused, as for memory.
    cpuRequestMillis: Math.min(scenario.container.cpuRequest, variant.cpuLimitMillis),
    build: variant.build,
    workload: workloadOf(scenario, variant),
    request: { ...scenario.request, ...variant.request, count, concurrency: variant.concurrency, path: variant.path, bodyMiB: variant.bodyMiB },
  }));
}

/** A frontier probe: the variant at one body size, or under one memory limit (sizing), as a variant of its own. */
export function probeVariant(variant: ResolvedVariant, valueMiB: number, over: FrontierSpec['over'] = 'bodyMiB'): ResolvedVariant {
  const size = Number(valueMiB.toFixed(2));
  if (over === 'memoryLimit') {
    return { ...variant, name: `${variant.name}.limit-${size}mi`, axes: { ...variant.axes, limit: `${size}Mi` }, memoryLimitBytes: Math.round(size * 2 ** 20) };
  }
  return { ...variant, name: `${variant.name}.body-${size}`, axes: { ...variant.axes, body: String(size) }, bodyMiB: size };
}

/** Pure: scenario + flags -> the list of repetitions, shuffled with the scenario's orderSeed so drift hits all variants alike. */
export function planRuns(scenario: Scenario, options: PlanOptions): Plan {
  if (options.reps === 'auto') return adaptivePlan(scenario, options);
  if (options.adaptive) throw new UsageError('--budget and --precision go with --reps auto');
  const reps = options.reps ?? scenario.reps;
  if (!Number.isInteger(reps) || reps < 1 || reps > 1000) {
    throw new UsageError(`bad --reps "${reps}": use a whole number from 1 to 1000`);
  }
  const go = options.go ?? PINNED_GO;
  const variants = selectVariants(scenario, resolveVariants(scenario, scenario.variants, go), options.variants);
  // For a frontier search, --reps sets the repetitions at each probed size.
  const frontier = scenario.frontier ? { ...scenario.frontier, repsPerProbe: options.reps ?? scenario.frontier.repsPerProbe } : null;
  const repNumbers = Array.from({ length: reps }, (_, index) => index + 1);
  const runs = frontier ? [] : seededShuffle(variants.flatMap((variant) => variantRuns(scenario, variant, repNumbers)), scenario.orderSeed);
  return { scenario, runtime: options.runtime, reps, variants, runs, frontier, adaptive: null, go };
}

/** --reps auto: no fixed runs; the rounds are planned as the answers come in (pipeline/adaptive.ts). */
function adaptivePlan(scenario: Scenario, options: PlanOptions): Plan {
  if (scenario.frontier) throw new UsageError(`--reps auto: scenario ${scenario.name} searches a frontier, which sets its own repetitions (--reps N sets those per probe)`);
  const go = options.go ?? PINNED_GO;
  const variants = selectVariants(scenario, resolveVariants(scenario, scenario.variants, go), options.variants);
  const adaptive = { ...ADAPTIVE_DEFAULTS, ...options.adaptive };
  return { scenario, runtime: options.runtime, reps: 0, variants, runs: [], frontier: null, adaptive, go };
}
