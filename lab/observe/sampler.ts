import type { CpuReading, MemoryReading } from './cgroup.js';

export interface MemorySample {
  /** Milliseconds since the sampler started. */
  t: number;
  usageBytes: number;
  peakBytes: number | null;
}

export interface MemorySeries {
  source: string;
  /** When the first poll was made: the origin of the samples' t. */
  startedAt: string;
  targetHz: number;
  achievedHz: number;
  samples: MemorySample[];
  /** Highest of the kernel's peaks and the sampled usage. */
  peakBytes: number | null;
  /** "pod": the peak is the pod cgroup's, higher than any the container's cgroup showed before it was gone. */
  peakFrom: PeakOrigin;
  oomKillsSeen: number | null;
  /** How often the probe itself died under a living instance (its readings between are missing). */
  probeLosses: number;
  /** cpu.stat over every cgroup lifetime of the repetition (restarts included); null where none was readable. */
  cpu: CpuTotals | null;
}

export type PeakOrigin = 'container' | 'pod';

export interface CpuTotals {
  usageSeconds: number | null;
  throttledSeconds: number | null;
  throttledPeriods: number | null;
  periods: number | null;
  /** cgroup v2: seconds in which some task of the container waited for a CPU (cpu.pressure); null elsewhere. */
  pressureSeconds: number | null;
}

/** Something that reads the instance's memory now; null while it has no live cgroup (restarting or dead). */
export interface MemoryProbe {
  source: string;
  read(): Promise<MemoryReading | null>;
  /**
   * A pod container's only: the pod cgroup's high-water mark. The pod's cgroup outlives a kill, so it holds the
   * burst between the last poll and the kernel's kill, which went with the container's cgroup.
   */
  podPeak?(): Promise<number | null>;
  /** A probe that runs apart from the lab (a container, a pod): how often it died and was started again. */
  losses?(): number;
}

export interface RunningSampler {
  stop(): Promise<MemorySeries>;
}

/** Polls a probe at a fixed rate without overlapping reads; the kernel's peak counter covers gaps between polls. */
export function startSampler(probe: MemoryProbe, hz = 20): RunningSampler {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const samples: MemorySample[] = [];
  let peak: number | null = null;
  const kills = oomKillAccumulator();
  const cpu = cpuAccumulator();
  let stopped = false;
  let inFlight: Promise<void> | null = null;
  let lostAfterReading = false; // the cgroup went: a kill (or a restart)
  const intervalMs = 1000 / hz;

  const tick = async () => {
    const reading = await probe.read().catch(() => null);
    if (!reading) {
      lostAfterReading ||= samples.length > 0;
      return;
    }
    samples.push({ t: Math.round(performance.now() - started), usageBytes: reading.usageBytes, peakBytes: reading.peakBytes });
    peak = Math.max(peak ?? 0, reading.usageBytes, reading.peakBytes ?? 0);
    if (reading.oomKills !== null) kills.add(reading.oomKills);
    if (reading.cpu) cpu.add(reading.cpu);
  };
  const poll = () => {
    if (stopped || inFlight) return; // a slow read skips a tick instead of queueing
    inFlight = tick().finally(() => (inFlight = null));
  };
  const timer = setInterval(poll, intervalMs);
  poll();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
      // Only after a loss: a living container's own peak leaves out the pod's pause container.
      const podPeak = lostAfterReading ? ((await probe.podPeak?.().catch(() => null)) ?? null) : null;
      const fromPod = podPeak !== null && podPeak > (peak ?? 0);
      if (fromPod) peak = podPeak;
      // The rate over the span the probe had a cgroup to read: a killed container's settle time is not a gap.
      const span = samples.length > 1 ? (samples.at(-1)!.t - samples[0]!.t) / 1000 : 0;
      return {
        source: probe.source,
        startedAt,
        targetHz: hz,
        achievedHz: span > 0 ? Number(((samples.length - 1) / span).toFixed(1)) : 0,
        samples,
        peakBytes: peak,
        peakFrom: fromPod ? 'pod' : 'container',
        oomKillsSeen: kills.total(),
        probeLosses: probe.losses?.() ?? 0,
        cpu: cpu.totals(),
      };
    },
  };
}

/**
 * OOM kills summed over cgroup lifetimes: each new cgroup (a restart) starts its counter at zero, so a counter that
 * went down is a new lifetime, and the old one's highest reading is banked. Keeping only the highest reading overall
 * would collapse kills across restarts. A read that failed (the cgroup gone, or a slow read) is not a new lifetime
 * by itself: one that comes back at the same count is the same cgroup.
 */
export function oomKillAccumulator(): { add(count: number): void; total(): number | null } {
  let banked = 0;
  let lifetime: number | null = null;
  return {
    add(count) {
      if (lifetime !== null && count < lifetime) banked += lifetime;
      else if (lifetime !== null) count = Math.max(lifetime, count);
      lifetime = count;
    },
    total: () => (lifetime === null ? null : banked + lifetime),
  };
}

type CpuField = keyof CpuReading;
const CPU_FIELDS: CpuField[] = ['usageUsec', 'throttledUsec', 'throttledPeriods', 'periods', 'pressureUsec'];

/** Sums cumulative cpu.stat counters across cgroup lifetimes: a counter that went down means a new cgroup. */
export function cpuAccumulator(): { add(reading: CpuReading): void; totals(): CpuTotals | null } {
  const banked: Record<CpuField, number | null> = { usageUsec: null, throttledUsec: null, throttledPeriods: null, periods: null, pressureUsec: null };
  let last: CpuReading | null = null;
  return {
    add(reading) {
      if (last && (reading.usageUsec ?? 0) < (last.usageUsec ?? 0)) {
        for (const field of CPU_FIELDS) if (last[field] != null) banked[field] = (banked[field] ?? 0) + last[field]!;
      }
      last = reading;
    },
    totals() {
      if (!last) return null;
      const total = (field: CpuField) => (last![field] == null && banked[field] === null ? null : (banked[field] ?? 0) + (last![field] ?? 0));
      const seconds = (usec: number | null) => (usec === null ? null : Number((usec / 1e6).toFixed(3)));
      return { usageSeconds: seconds(total('usageUsec')), throttledSeconds: seconds(total('throttledUsec')), throttledPeriods: total('throttledPeriods'), periods: total('periods'), pressureSeconds: seconds(total('pressureUsec')) };
    },
  };
}
