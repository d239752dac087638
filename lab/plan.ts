import { UsageError } from './errors.js';
import type { Scenario, Variant } from './scenario.js';

export type RuntimeName = 'docker' | 'kind' | 'existing';

export interface PlanOptions {
  runtime: RuntimeName;
  reps?: number;
  variants?: string[];
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
  memoryRequestBytes: number;
  cpuLimitMillis: number;
  cpuRequestMillis: number;
  request: {
    path: string;
    bodyMiB: number;
    count: number;
    concurrency: number;
    intervalSeconds: number;
    timeoutSeconds: number;
  };
}

export interface Plan {
  scenario: Scenario;
  runtime: RuntimeName;
  reps: number;
  variants: Variant[];
  runs: RunSpec[];
}

function selectVariants(scenario: Scenario, names: string[] | undefined): Variant[] {
  if (!names || names.length === 0) return scenario.variants;
  return names.map((name) => {
    const variant = scenario.variants.find((candidate) => candidate.name === name);
    if (!variant) {
      const known = scenario.variants.map((candidate) => candidate.name).join(', ');
      throw new UsageError(`unknown variant "${name}" in scenario ${scenario.name}: known variants are ${known}`);
    }
    return variant;
  });
}

export function variantEnv(scenario: Scenario, variant: Variant): Pick<RunSpec, 'env' | 'gomemlimit'> {
  const env: Record<string, string> = { GODEBUG: 'gctrace=1', ...variant.env };
  let gomemlimit: RunSpec['gomemlimit'] = null;
  if (variant.gomemlimitRatio !== undefined) {
    const bytes = Math.floor(scenario.container.memoryLimit * variant.gomemlimitRatio);
    gomemlimit = { ratio: variant.gomemlimitRatio, bytes };
    env.GOMEMLIMIT = String(bytes); // a bare integer, exactly as resourceFieldRef limits.memory renders it
  }
  return { env, gomemlimit };
}

/** Pure: scenario + flags -> the ordered list of repetitions. Variants are interleaved so drift hits all alike. */
export function planRuns(scenario: Scenario, options: PlanOptions): Plan {
  const reps = options.reps ?? scenario.reps;
  if (!Number.isInteger(reps) || reps < 1 || reps > 1000) {
    throw new UsageError(`bad --reps "${reps}": use a whole number from 1 to 1000`);
  }
  const variants = selectVariants(scenario, options.variants);
  const runs: RunSpec[] = [];
  for (let rep = 1; rep <= reps; rep++) {
    for (const variant of variants) {
      runs.push({
        id: `${variant.name}-${rep}`,
        variant: variant.name,
        rep,
        lifecycle: scenario.lifecycle,
        ...variantEnv(scenario, variant),
        memoryLimitBytes: scenario.container.memoryLimit,
        memoryRequestBytes: scenario.container.memoryRequest,
        cpuLimitMillis: scenario.container.cpuLimit,
        cpuRequestMillis: scenario.container.cpuRequest,
        request: {
          ...scenario.request,
          path: variant.path ?? scenario.request.path,
          bodyMiB: variant.bodyMiB ?? scenario.request.bodyMiB,
        },
      });
    }
  }
  return { scenario, runtime: options.runtime, reps, variants, runs };
}
