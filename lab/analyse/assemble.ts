import os from 'node:os';
import { median } from './stats.js';
import { summariseVariant } from './summarise.js';
import { judgeCost } from './cost.js';
import type { Plan } from '../model/plan.js';
import { SCHEMA_VERSION, type Frontier, type Results, type RetriedFault, type RunRecord } from '../model/results.js';
import type { RuntimeInfo } from '../runtimes/runtime.js';
import { flavourKey, type ResolvedVariant } from '../model/variants.js';
import { goReason, type NotApplicable, type SampleGo } from '../model/go-choice.js';
import type { BuildOutput } from '../build/sample.js';
import type { AdaptiveOutcome } from '../model/adaptive.js';

export interface RunContext {
  runId: string;
  plan: Plan;
  /** The variants to summarise: the plan's, or the frontier probes run so far. */
  variants: ResolvedVariant[];
  startedAt: string;
  runtimeInfo: RuntimeInfo | null;
  toolVersions: Record<string, string>;
  /** The frontier search's state, for scenarios that have one. */
  frontier?: Frontier[];
  execution?: Results['execution'];
  /** The samples built (absent before the build step, and for a service, which comes built). */
  built?: Pick<BuildOutput, 'samples'> | null;
  notApplicable?: NotApplicable[];
  adaptive?: AdaptiveOutcome;
  harness?: Results['environment']['harness'];
  /** Tries that ended in a harness fault and were run again. */
  retried?: RetriedFault[];
}

/** The Go that built a variant's sample, and why that one; null for a service's own image or before the build. */
function sampleGoOf(variant: ResolvedVariant, built: RunContext['built']): SampleGo | null {
  const sample = built?.samples[flavourKey(variant.build)];
  if (!sample) return null;
  return {
    requested: variant.build.go,
    version: sample.goVersion,
    experiments: variant.build.experiments,
    source: sample.fallback ? 'fallback' : variant.goSource,
    reason: sample.fallback ?? goReason(variant.goSource),
  };
}

/** Pure over recorded data: the same records always give the same summaries. */
export function assembleResults(context: RunContext, records: RunRecord[], completion: { complete: boolean; reason: string | null }): Results {
  const { plan } = context;
  const runs = judgeCost(records);
  const limit = plan.scenario.container.memoryLimit;
  const service = plan.scenario.service;
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: context.runId,
    runtime: plan.runtime,
    scenario: plan.scenario.name,
    scenarioSpec: plan.scenario,
    complete: completion.complete,
    incompleteReason: completion.complete ? null : completion.reason,
    startedAt: context.startedAt,
    finishedAt: completion.complete || completion.reason !== 'in progress' ? new Date().toISOString() : null,
    environment: {
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      kernel: os.release(),
      cpus: os.cpus().length,
      memoryBytes: os.totalmem(),
      cgroupVersion: context.runtimeInfo?.cgroupVersion ?? 'unknown',
      transparentHugepages: context.runtimeInfo?.transparentHugepages ?? null,
      memoryProbe: context.runtimeInfo?.memoryProbe ?? null,
      versions: { ...context.runtimeInfo?.versions, ...context.toolVersions },
      timings: { ...context.runtimeInfo?.timings, ...(runs.length ? { repetitionMedianSeconds: median(runs.map((run) => run.wallSeconds))! } : {}) },
      notes: context.runtimeInfo?.notes ?? [],
      harness: context.harness ?? null,
    },
    execution: context.execution ?? null,
    limits: {
      memoryLimitBytes: limit,
      memoryRequestBytes: plan.scenario.container.memoryRequest,
      cpuLimitMillis: plan.scenario.container.cpuLimit,
      cpuRequestMillis: plan.scenario.container.cpuRequest,
    },
    request: {
      path: plan.scenario.request.path,
      bodyMiB: plan.scenario.request.bodyMiB,
      count: plan.scenario.request.count,
      concurrency: plan.scenario.request.concurrency,
    },
    ...(service ? { service: { image: service.image, port: service.port, targets: service.requests.targets.map((target) => `${target.method} ${target.path}`) } } : {}),
    variants: context.variants.map((variant) => ({ ...summariseVariant(variant, runs.filter((run) => run.variant === variant.name)), go: sampleGoOf(variant, context.built) })),
    notApplicable: context.notApplicable ?? [],
    ...(context.adaptive ? { adaptive: context.adaptive } : {}),
    runs,
    retried: context.retried ?? [],
    ...(context.frontier ? { frontier: context.frontier } : {}),
  };
}
