import { z } from 'zod';
import { notApplicableSchema, sampleGoSchema } from './go-choice.js';
import { adaptiveOutcomeSchema } from './adaptive.js';
import { starvedBecause } from './starved.js';

export const MEMORY_PROBES = ['host', 'engine', 'node-probe'] as const;
export type MemoryProbeKind = (typeof MEMORY_PROBES)[number];
/** How a run's memory was read (host, engine, node-probe or none), and why that way. */
export const probeChoiceSchema = z.object({ probe: z.enum([...MEMORY_PROBES, 'none']), reason: z.string() });
export type ProbeChoice = z.infer<typeof probeChoiceSchema>;

/** Bump on any breaking change: nightly jobs and other tools read these files. */
export const SCHEMA_VERSION = 2;
/** Versions `report` and `compare` still read: version 1 had no outcome per repetition, and said thrashed for slowed. */
export const READABLE_SCHEMA_VERSIONS = [1, 2] as const;

/** One line Go printed with GODEBUG=gctrace=1; heap figures are Go's integer "MB" (bytes >> 20). */
export const gcCycleSchema = z.object({
  cycle: z.number(),
  atSeconds: z.number(),
  /** Go's cumulative share of CPU spent in GC since program start (integer %). */
  cpuPercent: z.number(),
  clockMs: z.object({ sweepTermination: z.number(), concurrent: z.number(), markTermination: z.number() }),
  cpuMs: z.object({ sweepTermination: z.number(), assist: z.number(), background: z.number(), idle: z.number(), markTermination: z.number() }),
  heapStartMB: z.number(),
  heapEndMB: z.number(),
  liveMB: z.number(),
  goalMB: z.number(),
  /** null on runtimes that do not print "N MB stacks, N MB globals". */
  stacksMB: z.number().nullable(),
  globalsMB: z.number().nullable(),
  procs: z.number(),
  /** true when the cycle was started by runtime.GC() / debug.FreeOSMemory(). */
  forced: z.boolean(),
});

/** One end of an instance's life as the engine or kubelet saw it. */
export const terminationSchema = z.object({
  at: z.string(),
  exitCode: z.number().nullable(),
  reason: z.string(),
  oomKilled: z.boolean(),
});

/** How a request failed, grouped the way failures show when a server dies mid-response or while it restarts. */
export const errorKindSchema = z.enum(['eof', 'reset', 'refused', 'timeout', 'http', 'other']);

export const requestResultSchema = z.object({
  seq: z.number(),
  startedAt: z.string(),
  status: z.number(),
  latencyMs: z.number(),
  /** Empty when the response arrived whole with a 2xx status. */
  error: z.string(),
  errorKind: errorKindSchema.nullable(),
});

/** An event the orchestrator reported about the instance (Kubernetes events; the engine's own for Docker). */
export const runtimeEventSchema = z.object({ at: z.string(), reason: z.string(), message: z.string(), count: z.number() });

/** runtime/metrics readings the sample took at a request's start or end; null where its Go version lacks the metric. */
const runtimeReadingSchema = z.object({
  gcCycles: z.number().nullable(),
  /** The GC cycle in which the GC CPU limiter was last on (0: never). */
  limiterLastEnabled: z.number().nullable(),
  gcCpuSeconds: z.number().nullable(),
  /** Mark work on otherwise idle Ps (part of gcCpuSeconds); lines from before it was logged: null. */
  gcIdleMarkCpuSeconds: z.number().nullable().default(null),
  idleCpuSeconds: z.number().nullable(),
  /** GOMAXPROCS integrated over wall time, not CPU used: idle Ps are in it. */
  totalCpuSeconds: z.number().nullable(),
  heapGoalBytes: z.number().nullable(),
  memoryTotalBytes: z.number().nullable(),
  /** Bytes allocated since the process started (/gc/heap/allocs:bytes); lines from before it was logged: null. */
  allocBytes: z.number().nullable().default(null),
});

/** The sample's "request metrics" log line, written after each bulk request. */
export const requestMetricsLineSchema = z.object({
  msg: z.literal('request metrics'),
  time: z.string(),
  start: runtimeReadingSchema,
  end: runtimeReadingSchema,
  memoryLimitBytes: z.number().nullable(),
  gomaxprocs: z.number(),
  cgroupMemoryLimitBytes: z.number().nullable(),
  encoder: z.string(),
  elapsedMs: z.number(),
  ok: z.boolean(),
  leakCacheBytes: z.number().default(0),
});
export type RequestMetricsLine = z.infer<typeof requestMetricsLineSchema>;

/** What the lab derives from one request's metrics line. */
export const requestGcSchema = z.object({
  at: z.string(),
  elapsedMs: z.number(),
  ok: z.boolean(),
  /** GC's share of the busy P time during the request, idle-P mark work left out of both: null without the metrics. */
  gcCpuShare: z.number().nullable(),
  /** The GC CPU limiter was on in a cycle during the request; null where Go has no such metric. */
  limiterOn: z.boolean().nullable(),
  gcCycles: z.number().nullable(),
  heapGoalBytes: z.number().nullable(),
  memoryTotalBytes: z.number().nullable(),
  /** The limit the Go runtime believed in at the end of the request (null: none), and the one the cgroup enforced then. */
  goMemoryLimitBytes: z.number().nullable(),
  cgroupMemoryLimitBytes: z.number().nullable(),
  gomaxprocs: z.number(),
  leakCacheBytes: z.number(),
  /** What the request allocated on the heap (garbage included); null without the metric, and in older files. */
  allocatedBytes: z.number().nullable().default(null),
});
export type RequestGc = z.infer<typeof requestGcSchema>;

/** One process lifetime inside a repetition: a restart starts a new one. */
const processInstanceSchema = z.object({
  index: z.number(),
  /** True when this process ended in an OOM kill. */
  oomKilled: z.boolean(),
  gcCycles: z.array(gcCycleSchema),
  /** The limit the Go runtime reported at start (debug.SetMemoryLimit(-1)), bytes; null for none (older files: MaxInt64). */
  goMemoryLimitBytes: z.number().nullable(),
  cgroupMemoryLimitBytes: z.number().nullable(),
  /** When the process printed its starting line (the sample's); null for a service and in older files. */
  startedAt: z.string().nullable().default(null),
  /** One entry per request the process finished (older files and samples without the line: empty). */
  requestMetrics: z.array(requestGcSchema).default([]),
});

export const resizeRecordSchema = z.object({
  fromBytes: z.number(),
  toBytes: z.number(),
  applied: z.boolean(),
  /** What the runtime said: the limit it reports in force, or why it refused. */
  detail: z.string(),
  seconds: z.number(),
});
export type ResizeRecord = z.infer<typeof resizeRecordSchema>;

/**
 * Shares of the repetition's window. hostCpuPressure: /proc/pressure/cpu "some" (tasks anywhere waited for a CPU; on
 * a quota-bound container its own throttled threads count too). containerCpuPressure: its cgroup's cpu.pressure (v2).
 * quotaShare: CPU received against the quota over the sampled span. samplerRate: the memory probe's achieved rate
 * against its target (the lab's own process starved shows here first).
 */
const contentionFigures = z.object({
  hostCpuPressure: z.number().nullable(),
  containerCpuPressure: z.number().nullable(),
  quotaShare: z.number().nullable(),
  samplerRate: z.number().nullable(),
  /** Why the repetition counts as starved (lab/model/starved.ts), or null; older files get it from their figures. */
  starvedBecause: z.string().nullable().optional(),
});
export const contentionSchema = contentionFigures.transform((c) => ({ ...c, starvedBecause: c.starvedBecause === undefined ? starvedBecause(c) : c.starvedBecause }));
export type Contention = z.infer<typeof contentionSchema>;

export const variantConditionsSchema = z.object({
  starvedRepetitions: z.number(),
  /** Repetitions that did not survive, and those of them that were starved. */
  deaths: z.number(),
  starvedDeaths: z.number(),
  hostCpuPressureMedian: z.number().nullable(),
  quotaShareMedian: z.number().nullable(),
  samplerRateMedian: z.number().nullable(),
});
export type VariantConditions = z.infer<typeof variantConditionsSchema>;

/**
 * What became of a repetition. survived / slowed (answered, at a cost: lab/analyse/cost.ts) / oom-killed / failed
 * (the service's own fault) / harness-fault (the lab's: retried, and never counted for survival).
 */
export const outcomeSchema = z.enum(['survived', 'slowed', 'oom-killed', 'failed', 'harness-fault']);
export type Outcome = z.infer<typeof outcomeSchema>;
/** Why an OOM kill happened (lab/analyse/why.ts). */
export const killClassSchema = z.enum(['heap goal above the limit', 'live heap near the limit', 'GC mark outrun by allocation', 'memory outside the Go heap']);
export type KillClass = z.infer<typeof killClassSchema>;
export const killEvidenceSchema = z.enum(['cgroup oom_kill counter', 'kernel log', 'runtime label OOMKilled', 'exit 137 at the limit']);
export type KillEvidence = z.infer<typeof killEvidenceSchema>;

export const runRecordSchema = z.object({
  id: z.string(),
  variant: z.string(),
  rep: z.number(),
  startedAt: z.string(),
  wallSeconds: z.number(),
  instanceId: z.string(),
  env: z.record(z.string(), z.string()),
  requests: z.array(requestResultSchema),
  attempts: z.number(),
  successes: z.number(),
  /** Every request answered in full and nothing died: outcome survived or slowed. */
  survived: z.boolean(),
  outcome: outcomeSchema,
  /** One line: why this outcome (the kill's evidence, the exit, the lost request, what made it slow). */
  cause: z.string(),
  /** Which evidence showed the OOM kill, independent of the runtime's label. */
  killEvidence: z.array(killEvidenceSchema).default([]),
  /** An OOM kill's class and one line of why, from its last GC cycle and memory timeline; null for other outcomes. */
  why: z.object({ kind: killClassSchema, line: z.string() }).nullable().default(null),
  /** Why the kernel log (/dev/kmsg) could not be read for kill evidence; null when it was. */
  kernelLog: z.string().nullable().default(null),
  /** 1, or the try that counted after harness faults were retried. */
  attempt: z.number().int().positive().default(1),
  /** The highest GC share of CPU over the repetition's requests; null without per-request metrics. */
  gcCpuShareMax: z.number().nullable().default(null),
  oomKills: z.number(),
  restarts: z.number(),
  terminations: z.array(terminationSchema),
  /** What the orchestrator reported (Kubernetes events such as BackOff; Docker's oom/die). */
  events: z.array(runtimeEventSchema).default([]),
  memory: z.object({
    limitBytes: z.number(),
    source: z.string(),
    targetHz: z.number(),
    achievedHz: z.number(),
    peakBytes: z.number().nullable(),
    /** "pod": the container's cgroup went with a kill, and its pod's (which outlives it) held a higher peak. */
    peakFrom: z.enum(['container', 'pod']).default('container'),
    /** How often the memory probe died under a living instance (a harness fault: its readings are missing). */
    probeLosses: z.number().int().nonnegative().default(0),
    /** When sampling began: the origin of the samples' milliseconds (null in older files). */
    startedAt: z.string().nullable().default(null),
    /** [milliseconds since the instance started being sampled, bytes]. */
    samples: z.array(z.tuple([z.number(), z.number()])),
  }),
  /** cpu.stat of the container's cgroup, summed over restarts (null where it was not readable, and in older files). */
  cpu: z
    .object({
      usageSeconds: z.number().nullable(),
      throttledSeconds: z.number().nullable(),
      throttledPeriods: z.number().nullable(),
      periods: z.number().nullable().default(null),
      /** cgroup v2's cpu.pressure "some" seconds; null on v1 and in older files. */
      pressureSeconds: z.number().nullable().default(null),
    })
    .nullable()
    .default(null),
  processes: z.array(processInstanceSchema),
  /** The conditions the repetition ran under: how much CPU it could get while it ran; null in older files. */
  contention: contentionSchema.nullable().default(null),
  /** The in-place resize before the requests; null when the variant has none. */
  resize: resizeRecordSchema.nullable().default(null),
  logFile: z.string(),
});

const intervalSchema = z.object({ rate: z.number().nullable(), low: z.number(), high: z.number() });

export const variantSummarySchema = z.object({
  name: z.string(),
  description: z.string(),
  /** The scenario variant this one was expanded from (sweeps and frontier probes add axes to it). */
  base: z.string().optional(),
  /** Swept settings that tell this variant apart, e.g. { limit: '300Mi', go: '1.19.13' }. */
  axes: z.record(z.string(), z.string()).default({}),
  /** Resolved per variant: a sweep may change them. Files from before it was recorded get the run's limit. */
  memoryLimitBytes: z.number(),
  /** The limit a resize set before the requests; absent without one. */
  resizeToBytes: z.number().optional(),
  /** The variant's CPU quota (older files: the run's limits). */
  cpuLimitMillis: z.number().optional(),
  bodyMiB: z.number().optional(),
  env: z.record(z.string(), z.string()),
  gomemlimitBytes: z.number().nullable(),
  repetitions: z.number(),
  survivedRepetitions: z.number(),
  /** Survival per repetition with a 95% Wilson interval. */
  survival: intervalSchema,
  /** Survived repetitions that were slowed (they count as survived above), with their own 95% Wilson interval. */
  slowedRepetitions: z.number().default(0),
  slowing: intervalSchema.default({ rate: null, low: 0, high: 1 }),
  /** Repetitions left as harness faults after their retries: not counted anywhere above. */
  harnessFaults: z.number().default(0),
  /** Median over repetitions of each one's highest per-request GC share of CPU. */
  gcCpuShareMedian: z.number().nullable().default(null),
  /** Median over repetitions of the share of CFS periods in which the quota throttled the container (cpu.stat). */
  throttledShareMedian: z.number().nullable().default(null),
  attempts: z.number(),
  successes: z.number(),
  oomKills: z.number(),
  restarts: z.number(),
  /** Highest cgroup peak over all repetitions. */
  peakMemoryBytes: z.number().nullable(),
  peakMemoryMedianBytes: z.number().nullable(),
  /** GC cycles summed over all repetitions, and the median per repetition. */
  gcCycles: z.number(),
  gcCyclesMedian: z.number().nullable(),
  /** Median over OOM-killed processes of the heap goal in their last gctrace line. */
  lastHeapGoalBeforeKillMB: z.number().nullable(),
  /** Median of Go's cumulative GC CPU % at each process's last cycle. */
  gcCpuPercentMedian: z.number().nullable(),
  latencyMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
  errors: z.record(z.string(), z.number()),
  /** The Go that built the sample for this variant, and why that one; null for a service and in older files. */
  go: sampleGoSchema.nullable().default(null),
  /** How many of its repetitions were starved, and how many of its deaths; null where none recorded its conditions. */
  conditions: variantConditionsSchema.nullable().default(null),
});

/** One probe of the OOM-frontier search: a body size run repsPerProbe times. */
const frontierProbeSchema = z.preprocess(
  // Files from before limit searches named the probed value bodyMiB.
  (raw) => (raw && typeof raw === 'object' && 'bodyMiB' in raw && !('valueMiB' in raw) ? { ...raw, valueMiB: (raw as { bodyMiB: unknown }).bodyMiB } : raw),
  z.object({
  /** The probed body size, or memory limit (frontier.over), in MiB. */
  valueMiB: z.number(),
  /** The variant summary holding this probe's repetitions. */
  variant: z.string(),
  repetitions: z.number(),
  survivedRepetitions: z.number(),
  survival: intervalSchema,
  passed: z.boolean(),
  /** The highest peak of the probe's repetitions (limit searches: what the limit held). */
  peakBytes: z.number().nullable().default(null),
}));

/** The largest body that still survives the target share of repetitions, found by bisection. */
export const frontierSchema = z.object({
  /** bodyMiB: the largest body that survives; memoryLimit: the smallest limit that holds (sizing). */
  over: z.enum(['bodyMiB', 'memoryLimit']).default('bodyMiB'),
  variant: z.string(),
  memoryLimitBytes: z.number(),
  targetSurvival: z.number(),
  repsPerProbe: z.number(),
  resolutionMiB: z.number(),
  /** In the order they were run. */
  probes: z.array(frontierProbeSchema),
  /** The probed value nearest the risky end that met the target (body: largest; limit: smallest); null if none did. */
  frontierMiB: z.number().nullable(),
  /** The probed value nearest frontierMiB on the risky side that missed it: the two bracket the frontier. */
  failedMiB: z.number().nullable(),
  /** below-range: even the safe end (smallest body, largest limit) missed; above-range: even the risky end met it. */
  status: z.enum(['bracketed', 'below-range', 'above-range', 'incomplete']),
  /** Limit searches: the highest peak at the first, generous limit, which usage-based sizing works from. */
  usagePeakBytes: z.number().nullable().default(null),
});

/** Results files written before each variant carried its own limit: the run's limit was every variant's. */
function withVariantLimits(raw: unknown): unknown {
  const file = raw as { limits?: { memoryLimitBytes?: unknown }; variants?: unknown } | null;
  if (!file || typeof file !== 'object' || !Array.isArray(file.variants)) return raw;
  const limit = file.limits?.memoryLimitBytes;
  return { ...file, variants: file.variants.map((variant: Record<string, unknown>) => ({ memoryLimitBytes: limit, ...variant })) };
}

export const retriedFaultSchema = z.object({ id: z.string(), variant: z.string(), attempt: z.number().int().positive(), startedAt: z.string(), cause: z.string() });
export type RetriedFault = z.infer<typeof retriedFaultSchema>;

type Loose = Record<string, unknown>;

/** A version 1 repetition: its outcome from what it recorded (thrashed is now slowed). */
function upgradeRun(run: Loose): Loose {
  if ('outcome' in run) return run;
  const { thrashed, ...rest } = run;
  const outcome = run.survived ? (thrashed ? 'slowed' : 'survived') : Number(run.oomKills) > 0 ? 'oom-killed' : 'failed';
  return { ...rest, outcome, cause: `${outcome} (read from a schema version 1 file)` };
}

/** Version 1 files: outcomes per repetition, slowed for thrashed. Later versions pass as they are. */
function upgradeVersion1(raw: unknown): unknown {
  const file = raw as Loose | null;
  if (!file || typeof file !== 'object' || file.schemaVersion !== 1) return raw;
  const variants = Array.isArray(file.variants)
    ? file.variants.map(({ thrashedRepetitions, thrashing, ...variant }: Loose) => ({ ...variant, slowedRepetitions: thrashedRepetitions, slowing: thrashing }))
    : file.variants;
  return { ...file, schemaVersion: SCHEMA_VERSION, variants, runs: Array.isArray(file.runs) ? file.runs.map(upgradeRun) : file.runs };
}

export const resultsSchema = z.preprocess((raw) => withVariantLimits(upgradeVersion1(raw)), z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  runId: z.string(),
  runtime: z.string(),
  scenario: z.string(),
  scenarioSpec: z.unknown(),
  complete: z.boolean(),
  /** Why the run is incomplete, when it is. */
  incompleteReason: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  environment: z.object({
    node: z.string(),
    platform: z.string(),
    kernel: z.string(),
    cpus: z.number(),
    memoryBytes: z.number(),
    cgroupVersion: z.string(),
    /** The engine kernel's THP mode (always, madvise, never); null where unknown. */
    transparentHugepages: z.string().nullable().default(null),
    /** How memory was read (host, engine or none) and why; null in results from before it was recorded. */
    memoryProbe: probeChoiceSchema.nullable().default(null),
    versions: z.record(z.string(), z.string()),
    /** Seconds: provisioning steps (node image, cluster create) and the median repetition. */
    timings: z.record(z.string(), z.number()).default({}),
    /** What the runtime chose and why (the node image, a memory probe that could not run...). */
    notes: z.array(z.string()).default([]),
    /** The lab's own cost (its process and the tools it waited for); null in results from before it was recorded. */
    harness: z.object({ peakRssBytes: z.number(), cpuSeconds: z.number(), cpuSecondsPerRepetition: z.number().nullable() }).nullable().default(null),
  }),
  /** How the repetitions were scheduled: how many at once, why, and the (seeded, shuffled) order they started in. */
  execution: z
    .object({
      parallel: z.number().int().positive(),
      requested: z.union([z.number().int().positive(), z.literal('auto')]),
      reason: z.string(),
      order: z.array(z.string()),
      /** auto's steps down after starved repetitions; parallel above is where it ended. */
      backoffs: z.array(z.object({ after: z.string(), parallel: z.number().int().positive(), reason: z.string() })).default([]),
    })
    .nullable()
    .default(null),
  limits: z.object({ memoryLimitBytes: z.number(), memoryRequestBytes: z.number(), cpuLimitMillis: z.number(), cpuRequestMillis: z.number() }),
  request: z.object({ path: z.string(), bodyMiB: z.number(), count: z.number(), concurrency: z.number() }),
  /** A user's service in place of the sample: its image and what it was sent ("POST /ingest"). */
  service: z.object({ image: z.string(), port: z.number(), targets: z.array(z.string()) }).optional(),
  variants: z.array(variantSummarySchema),
  runs: z.array(runRecordSchema),
  /** Present for scenarios with a frontier search. */
  frontier: z.array(frontierSchema).optional(),
  /** --reps auto: why the rounds stopped (a clear decision, or the budget), and the anytime-valid intervals then. */
  adaptive: adaptiveOutcomeSchema.optional(),
  /** Tries that ended in a harness fault and were run again (the try that counted is in runs). */
  retried: z.array(retriedFaultSchema).default([]),
  /** Variants not run because the sample does not build on their Go release, with go's reason. */
  notApplicable: z.array(notApplicableSchema).default([]),
}));

export type GcCycle = z.infer<typeof gcCycleSchema>;
export type Termination = z.infer<typeof terminationSchema>;
export type RequestResult = z.infer<typeof requestResultSchema>;
export type ErrorKind = z.infer<typeof errorKindSchema>;
export type RuntimeEvent = z.infer<typeof runtimeEventSchema>;
export type RunRecord = z.infer<typeof runRecordSchema>;
export type VariantSummary = z.infer<typeof variantSummarySchema>;

/** The limit a variant's requests met: the resized one, if a resize ran. Headroom and limit lines use it. */
export const limitAtRequest = (v: Pick<VariantSummary, 'memoryLimitBytes' | 'resizeToBytes'>): number => v.resizeToBytes ?? v.memoryLimitBytes;
export type Results = z.infer<typeof resultsSchema>;
export type Frontier = z.infer<typeof frontierSchema>;
export type FrontierProbe = z.infer<typeof frontierProbeSchema>;
export type ProcessInstance = z.infer<typeof processInstanceSchema>;
