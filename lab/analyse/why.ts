// Why an OOM kill happened, in one line and one class, from the killed process's last GC cycle, the memory
// timeline and the conditions the repetition ran under. Pure.
import type { KillClass, ProcessInstance, RunRecord } from '../model/results.js';
import { goMemoryLimitOrNull } from './request-metrics.js';

const MiB = 2 ** 20;
/** A live heap at this share of the limit leaves too little for stacks, the runtime and the next allocation. */
const LIVE_NEAR_LIMIT = 0.85;
/** The cgroup holding this share of the limit more than Go's heap at a GC: memory the heap does not account for. */
const OUTSIDE_HEAP = 0.3;

export interface KillWhy {
  kind: KillClass;
  line: string;
}

/** The GOGC the process ran with: its env, default 100; off means no GC goal at all. */
function gogcOf(env: Record<string, string>): number | null {
  const value = env.GOGC?.trim().toLowerCase();
  if (value === undefined || value === '') return 100;
  if (value === 'off') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : 100;
}

/** The rise in the last second of samples before the peak: how fast memory climbed into the kill. */
function lastSecondRise(samples: readonly (readonly [number, number])[]): { mib: number; seconds: number } | null {
  if (samples.length < 2) return null;
  let peakIndex = 0;
  samples.forEach(([, bytes], index) => (bytes >= samples[peakIndex]![1] ? (peakIndex = index) : undefined));
  const [peakAt, peakBytes] = samples[peakIndex]!;
  const before = [...samples.slice(0, peakIndex)].reverse().find(([t]) => peakAt - t >= 1000) ?? samples[0]!;
  if (before[0] >= peakAt) return null;
  return { mib: (peakBytes - before[1]) / MiB, seconds: (peakAt - before[0]) / 1000 };
}

/**
 * Where the process's clock (gctrace's "@3.2s" counts from its start) falls on the sampler's: the process's starting
 * line against the sampler's first poll. null when either was not recorded (a service, older files): then the two
 * cannot be set side by side, and no kill is put down to memory outside the heap.
 */
function clockOffsetMs(run: RunRecord, process: ProcessInstance): number | null {
  if (!process.startedAt || !run.memory.startedAt) return null;
  const offset = Date.parse(process.startedAt) - Date.parse(run.memory.startedAt);
  return Number.isFinite(offset) ? offset : null;
}

/** The cgroup's lowest memory within a quarter second either side of a moment on the sampler's clock. */
function memoryAt(samples: readonly (readonly [number, number])[], ms: number): number | null {
  const near = samples.filter(([t]) => Math.abs(t - ms) <= 250).map(([, bytes]) => bytes);
  return near.length ? Math.min(...near) : null;
}

function conditions(run: RunRecord): string {
  const rate = run.contention?.samplerRate;
  const probe = rate == null ? '' : `the probe ran at ${Math.round(rate * run.memory.targetHz)} Hz of ${run.memory.targetHz}`;
  const starved = run.contention?.starvedBecause ? ` (starved: ${run.contention.starvedBecause})` : '';
  return probe ? `; ${probe}${starved}` : starved;
}

/** The class and the line for a repetition's OOM kill; null when it was not one, or nothing was traced. */
export function explainKill(run: RunRecord): KillWhy | null {
  if (run.outcome !== 'oom-killed') return null;
  const limitMiB = run.memory.limitBytes / MiB;
  const killed: ProcessInstance | undefined = run.processes.find((process) => process.oomKilled) ?? run.processes.at(0);
  const last = killed?.gcCycles.filter((cycle) => !cycle.forced).at(-1);
  const peak = run.memory.peakBytes === null ? 'at the limit' : `at ${(run.memory.peakBytes / MiB).toFixed(1)} MiB`;
  const rise = lastSecondRise(run.memory.samples);
  const climbed = rise ? `; memory rose ${rise.mib.toFixed(0)} MiB in its last ${rise.seconds.toFixed(1)} s` : '';
  const tail = `${climbed}${conditions(run)}`;
  if (!killed || !last) return { kind: 'GC mark outrun by allocation', line: `killed ${peak} before any GC cycle finished: allocation reached the limit first${tail}` };
  const cycle = `the last GC (cycle ${last.cycle}) ended at ${last.liveMB} MB live with a ${last.goalMB} MB goal`;
  const gogc = gogcOf(run.env);
  const nextGoal = gogc === null ? Infinity : last.liveMB * (1 + gogc / 100);
  const goLimit = goMemoryLimitOrNull(killed.goMemoryLimitBytes) ?? (run.env.GOMEMLIMIT ? Number(run.env.GOMEMLIMIT) : null);
  if (goLimit === null && nextGoal > limitMiB) {
    const goal = gogc === null ? 'GOGC=off sets no goal' : `the next goal, ${Math.round(nextGoal)} MB (GOGC=${gogc}), was above the ${limitMiB.toFixed(0)} MiB limit`;
    return { kind: 'heap goal above the limit', line: `killed ${peak}: no GOMEMLIMIT, and ${goal}; ${cycle}${tail}` };
  }
  if (last.liveMB >= LIVE_NEAR_LIMIT * limitMiB) {
    return { kind: 'live heap near the limit', line: `killed ${peak}: ${cycle}, ${Math.round((last.liveMB / limitMiB) * 100)}% of the limit, leaving too little for the rest${tail}` };
  }
  const offset = clockOffsetMs(run, killed);
  const cgroupAtCycle = offset === null ? null : memoryAt(run.memory.samples, last.atSeconds * 1000 + offset);
  if (cgroupAtCycle !== null && cgroupAtCycle / MiB - last.heapEndMB > OUTSIDE_HEAP * limitMiB) {
    return { kind: 'memory outside the Go heap', line: `killed ${peak}: at its last GC the cgroup held ${(cgroupAtCycle / MiB).toFixed(0)} MiB against ${last.heapEndMB} MB of Go heap, so most of the memory was outside it${tail}` };
  }
  return { kind: 'GC mark outrun by allocation', line: `killed ${peak}: ${cycle}; allocation reached the limit before the next cycle finished${tail}` };
}

/** The recorded why, or one worked out now for files from before it was recorded. */
export const whyOf = (run: RunRecord): KillWhy | null => run.why ?? explainKill(run);

/** The commonest kill class among the runs, with its count and the number of kills; null without kills. */
export function commonestKill(runs: readonly RunRecord[]): { kind: KillClass; count: number; of: number } | null {
  const kinds = runs.map(whyOf).filter((why): why is KillWhy => why !== null).map((why) => why.kind);
  if (kinds.length === 0) return null;
  const counts = new Map<KillClass, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const [kind, count] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  return { kind, count, of: kinds.length };
}
