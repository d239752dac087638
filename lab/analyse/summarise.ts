import { goMemoryLimitOrNull } from './request-metrics.js';
import type { RunSpec } from '../model/plan.js';
import type { Contention, ProcessInstance, ResizeRecord, RunRecord, VariantConditions, VariantSummary } from '../model/results.js';
import type { InstanceStatus } from '../runtimes/runtime.js';
import type { MemorySeries } from '../observe/sampler.js';
import type { ResolvedVariant } from '../model/variants.js';
import { configuredGomemlimit } from '../model/plan.js';
import type { RequestResult } from '../model/results.js';
import { summariseGcTrace } from './gctrace.js';
import { splitProcesses } from './processes.js';
import { gcCpuShareMax } from './cost.js';
import { classifyRepetition, judged } from './outcome.js';
import { explainKill } from './why.js';
import { starvedBecause } from '../model/starved.js';
import { max, median, quantile, wilsonInterval } from './stats.js';

/** What the observe stage gathered for one repetition. */
export interface RunObservation {
  instanceId: string;
  startedAt: string;
  wallSeconds: number;
  requests: RequestResult[];
  status: InstanceStatus;
  memory: MemorySeries;
  logs: string;
  logFile: string;
  resize: ResizeRecord | null;
  /** /proc/pressure/cpu over the repetition's window; null where the host has no PSI (or is not this machine). */
  hostCpuPressure: number | null;
  /** OOM kills the kernel log attributed to the instance's cgroups; null where it could not be read, and why. */
  kernelOomKills?: number | null;
  kernelLogUnreadable?: string | null;
}

const share = (value: number) => Number(value.toFixed(3));

/** How much CPU the repetition could get while it ran (shares of its sampled span). */
function contentionOf(run: RunSpec, observed: RunObservation): Contention {
  const { samples, cpu, achievedHz, targetHz } = observed.memory;
  const spanSeconds = samples.length > 1 ? (samples.at(-1)!.t - samples[0]!.t) / 1000 : 0;
  const quota = (run.cpuLimitMillis / 1000) * spanSeconds;
  const figures = {
    hostCpuPressure: observed.hostCpuPressure === null ? null : share(observed.hostCpuPressure),
    containerCpuPressure: cpu?.pressureSeconds != null && spanSeconds > 0 ? share(Math.min(1, cpu.pressureSeconds / spanSeconds)) : null,
    quotaShare: cpu?.usageSeconds != null && quota > 0 ? share(cpu.usageSeconds / quota) : null,
    samplerRate: targetHz > 0 ? share(achievedHz / targetHz) : null,
  };
  return { ...figures, starvedBecause: starvedBecause(figures) };
}

export function buildRunRecord(run: RunSpec, observed: RunObservation): RunRecord {
  const record = recordOf(run, observed);
  return { ...record, why: explainKill(record) };
}

function recordOf(run: RunSpec, observed: RunObservation): RunRecord {
  const processes = splitProcesses(observed.logs, observed.status.terminations);
  const successes = observed.requests.filter((request) => request.errorKind === null).length;
  const limitBytes = run.resizeToBytes ?? run.memoryLimitBytes;
  // With a time budget the count is only a cap: every request sent must have been answered.
  const expected = run.request.budgetSeconds === undefined ? run.request.count : Math.max(1, observed.requests.length);
  const verdict = observed.resize && !observed.resize.applied
    ? { outcome: 'harness-fault' as const, cause: `the runtime refused the resize: ${observed.resize.detail}`, killEvidence: [], oomKills: 0 }
    : classifyRepetition({
        requests: observed.requests,
        expected,
        terminations: observed.status.terminations,
        oomKillsCounted: observed.memory.oomKillsSeen,
        oomKillsLogged: observed.kernelOomKills ?? null,
        peakBytes: observed.memory.peakBytes,
        limitBytes,
        probeLosses: observed.memory.probeLosses,
      });
  return {
    id: run.id,
    variant: run.variant,
    rep: run.rep,
    startedAt: observed.startedAt,
    wallSeconds: observed.wallSeconds,
    instanceId: observed.instanceId,
    env: run.env,
    requests: observed.requests,
    attempts: observed.requests.length,
    successes,
    survived: verdict.outcome === 'survived',
    outcome: verdict.outcome,
    cause: verdict.cause,
    killEvidence: verdict.killEvidence,
    attempt: 1,
    kernelLog: observed.kernelLogUnreadable ?? null,
    why: null,
    gcCpuShareMax: gcCpuShareMax(processes.flatMap((process) => process.requestMetrics)),
    oomKills: verdict.oomKills,
    restarts: observed.status.restarts,
    terminations: observed.status.terminations,
    events: observed.status.events,
    memory: {
      limitBytes,
      source: observed.memory.source,
      startedAt: observed.memory.startedAt,
      targetHz: observed.memory.targetHz,
      achievedHz: observed.memory.achievedHz,
      peakBytes: observed.memory.peakBytes,
      peakFrom: observed.memory.peakFrom,
      probeLosses: observed.memory.probeLosses,
      samples: observed.memory.samples.map((sample) => [sample.t, sample.usageBytes] as [number, number]),
    },
    cpu: observed.memory.cpu,
    contention: contentionOf(run, observed),
    processes,
    resize: observed.resize,
    logFile: observed.logFile,
  };
}

/** nr_throttled over nr_periods: how often the quota ran out before the period did. */
export function throttledShare(run: RunRecord): number | null {
  const { throttledPeriods, periods } = run.cpu ?? {};
  return throttledPeriods == null || !periods ? null : throttledPeriods / periods;
}

const nonNull = <T>(values: (T | null)[]): T[] => values.filter((value): value is T => value !== null);

function lastGoalOfKilled(processes: ProcessInstance[]): number[] {
  return nonNull(processes.filter((process) => process.oomKilled).map((process) => process.gcCycles.at(-1)?.goalMB ?? null));
}

/** A limit the process set itself (automemlimit), as its "starting" line reported it. */
function limitSetAtRunTime(processes: ProcessInstance[]): number | null {
  return median(nonNull(processes.map((process) => goMemoryLimitOrNull(process.goMemoryLimitBytes))));
}

export function summariseVariant(variant: ResolvedVariant, all: RunRecord[]): VariantSummary {
  // The lab's own faults say nothing about the service: they count nowhere but in harnessFaults.
  const runs = judged(all);
  const processes = runs.flatMap((run) => run.processes);
  const peaks = nonNull(runs.map((run) => run.memory.peakBytes));
  const gcPerRun = runs.map((run) => run.processes.reduce((sum, process) => sum + process.gcCycles.length, 0));
  const latencies = runs.flatMap((run) => run.requests.filter((request) => request.errorKind === null).map((request) => request.latencyMs));
  const errors: Record<string, number> = {};
  for (const request of runs.flatMap((run) => run.requests)) {
    if (request.errorKind) errors[request.errorKind] = (errors[request.errorKind] ?? 0) + 1;
  }
  const survivedRepetitions = runs.filter((run) => run.survived).length;
  const slowedRepetitions = runs.filter((run) => run.outcome === 'slowed').length;
  const gomemlimit = configuredGomemlimit(variant) ?? limitSetAtRunTime(processes);
  return {
    name: variant.name,
    description: variant.description,
    base: variant.base,
    axes: variant.axes,
    memoryLimitBytes: variant.memoryLimitBytes,
    ...(variant.resizeToBytes === null ? {} : { resizeToBytes: variant.resizeToBytes }),
    cpuLimitMillis: variant.cpuLimitMillis,
    bodyMiB: variant.bodyMiB,
    env: runs[0]?.env ?? {},
    gomemlimitBytes: gomemlimit,
    repetitions: runs.length,
    survivedRepetitions,
    survival: wilsonInterval(survivedRepetitions, runs.length),
    slowedRepetitions,
    slowing: wilsonInterval(slowedRepetitions, runs.length),
    harnessFaults: all.length - runs.length,
    gcCpuShareMedian: median(nonNull(runs.map((run) => run.gcCpuShareMax))),
    throttledShareMedian: median(nonNull(runs.map(throttledShare))),
    attempts: runs.reduce((sum, run) => sum + run.attempts, 0),
    successes: runs.reduce((sum, run) => sum + run.successes, 0),
    oomKills: runs.reduce((sum, run) => sum + run.oomKills, 0),
    restarts: runs.reduce((sum, run) => sum + run.restarts, 0),
    peakMemoryBytes: max(peaks),
    peakMemoryMedianBytes: median(peaks),
    gcCycles: gcPerRun.reduce((sum, count) => sum + count, 0),
    gcCyclesMedian: median(gcPerRun),
    lastHeapGoalBeforeKillMB: median(lastGoalOfKilled(processes)),
    gcCpuPercentMedian: median(nonNull(processes.map((process) => summariseGcTrace(process.gcCycles).gcCpuPercent))),
    latencyMs: { p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95) },
    errors,
    go: null, // the build's, which assembleResults adds
    conditions: conditionsOf(runs),
  };
}

/** Starved repetitions and deaths, and the median conditions, over the repetitions that recorded them. */
export function conditionsOf(runs: RunRecord[]): VariantConditions | null {
  const recorded = runs.filter((run) => run.contention !== null);
  if (recorded.length === 0) return null;
  const starved = recorded.filter((run) => run.contention!.starvedBecause !== null);
  const figure = (key: 'hostCpuPressure' | 'quotaShare' | 'samplerRate') => median(nonNull(recorded.map((run) => run.contention![key])));
  return {
    starvedRepetitions: starved.length,
    deaths: runs.filter((run) => !run.survived).length,
    starvedDeaths: starved.filter((run) => !run.survived).length,
    hostCpuPressureMedian: figure('hostCpuPressure'),
    quotaShareMedian: figure('quotaShare'),
    samplerRateMedian: figure('samplerRate'),
  };
}
