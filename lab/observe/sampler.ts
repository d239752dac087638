import type { MemoryReading } from './cgroup.js';

export interface MemorySample {
  /** Milliseconds since the sampler started. */
  t: number;
  usageBytes: number;
  peakBytes: number | null;
}

export interface MemorySeries {
  source: string;
  targetHz: number;
  achievedHz: number;
  samples: MemorySample[];
  /** Highest of the kernel's peaks and the sampled usage. */
  peakBytes: number | null;
  oomKillsSeen: number | null;
}

/** Something that reads the instance's memory now; null while it has no live cgroup (restarting or dead). */
export interface MemoryProbe {
  source: string;
  read(): Promise<MemoryReading | null>;
}

export interface RunningSampler {
  stop(): Promise<MemorySeries>;
}

/** Polls a probe at a fixed rate without overlapping reads; the kernel's peak counter covers gaps between polls. */
export function startSampler(probe: MemoryProbe, hz = 20): RunningSampler {
  const started = performance.now();
  const samples: MemorySample[] = [];
  let peak: number | null = null;
  let oomKills: number | null = null;
  let stopped = false;
  let inFlight: Promise<void> | null = null;
  const intervalMs = 1000 / hz;

  const tick = async () => {
    const reading = await probe.read().catch(() => null);
    if (!reading) return;
    samples.push({ t: Math.round(performance.now() - started), usageBytes: reading.usageBytes, peakBytes: reading.peakBytes });
    peak = Math.max(peak ?? 0, reading.usageBytes, reading.peakBytes ?? 0);
    // Counters restart with each new cgroup (after a restart); keep the highest seen per cgroup lifetime.
    if (reading.oomKills !== null) oomKills = Math.max(oomKills ?? 0, reading.oomKills);
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
      const elapsed = (performance.now() - started) / 1000;
      return {
        source: probe.source,
        targetHz: hz,
        achievedHz: elapsed > 0 ? Number((samples.length / elapsed).toFixed(1)) : 0,
        samples,
        peakBytes: peak,
        oomKillsSeen: oomKills,
      };
    },
  };
}
