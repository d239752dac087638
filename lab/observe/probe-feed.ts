// What cgroup-probe (the Go program in cgroup-probe/) prints, and the latest reading per target from it.
import { z } from 'zod';
import type { CgroupVersion, MemoryReading } from './cgroup.js';

const count = z.number().int().nonnegative();
const version = z.enum(['v1', 'v2']);

export const helloLine = z.object({ hello: z.string(), version, rateHz: z.number().positive(), targets: z.array(z.string()).optional() });
const readingLine = z.object({
  target: z.string(),
  t: z.number(),
  version,
  usageBytes: count,
  peakBytes: count.nullable(),
  oomKills: count.nullable(),
  cpu: z.object({ usageUsec: count.nullable(), throttledUsec: count.nullable(), throttledPeriods: count.nullable(), periods: count.nullable() }).nullable(),
});
/** parentPeakBytes: the high-water mark of the cgroup that held the container (a pod's); absent for plain paths. */
const goneLine = z.object({ target: z.string(), t: z.number(), gone: z.literal(true), parentPeakBytes: count.optional() });
export const probeLine = z.union([helloLine, readingLine, goneLine]);

export type HelloLine = z.infer<typeof helloLine>;
export type ProbeLine = z.infer<typeof probeLine>;

/** How one target has been sampled so far, by the probe's own clock. */
export interface TargetStats {
  readings: number;
  gone: number;
  /** Lines per second between the first and the last (null before two lines). */
  achievedHz: number | null;
}

interface TargetState {
  latest: MemoryReading | null;
  receivedAt: number;
  readings: number;
  gone: number;
  firstT: number;
  lastT: number;
  parentPeak: number | null;
}

/** Keeps the newest reading of each target; lines that are not the probe's are counted and otherwise ignored. */
export class ProbeFeed {
  hello: HelloLine | null = null;
  rejected = 0;
  private readonly targets = new Map<string, TargetState>();

  /** `now` is this process's clock (performance.now()); the engine's host clock may differ from it. */
  accept(value: unknown, now = performance.now()): ProbeLine | null {
    const parsed = probeLine.safeParse(value);
    if (!parsed.success) {
      this.rejected++;
      return null;
    }
    const line = parsed.data;
    if ('hello' in line) {
      this.hello = line;
      return line;
    }
    const state = this.targets.get(line.target) ?? { latest: null, receivedAt: now, readings: 0, gone: 0, firstT: line.t, lastT: line.t, parentPeak: null };
    state.receivedAt = now;
    state.lastT = line.t;
    if ('gone' in line) {
      if (line.parentPeakBytes !== undefined) state.parentPeak = Math.max(state.parentPeak ?? 0, line.parentPeakBytes);
      state.gone++;
      state.latest = null;
    } else {
      state.readings++;
      state.latest = { usageBytes: line.usageBytes, peakBytes: line.peakBytes, oomKills: line.oomKills, cpu: line.cpu };
    }
    this.targets.set(line.target, state);
    return line;
  }

  get version(): CgroupVersion | null {
    return this.hello?.version ?? null;
  }

  /** The newest reading, or null when the cgroup is gone or nothing came for staleMs (the probe died). */
  latest(target: string, now = performance.now(), staleMs = 1000): MemoryReading | null {
    const state = this.targets.get(target);
    if (!state || now - state.receivedAt > staleMs) return null;
    return state.latest;
  }

  /** The highest high-water mark the gone lines gave for the cgroup that held the target. */
  parentPeak(target: string): number | null {
    return this.targets.get(target)?.parentPeak ?? null;
  }

  stats(target: string): TargetStats {
    const state = this.targets.get(target);
    if (!state) return { readings: 0, gone: 0, achievedHz: null };
    const lines = state.readings + state.gone;
    const span = (state.lastT - state.firstT) / 1000;
    return { readings: state.readings, gone: state.gone, achievedHz: lines > 1 && span > 0 ? Number(((lines - 1) / span).toFixed(1)) : null };
  }
}
