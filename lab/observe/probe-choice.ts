// Which reader gets a container's memory: the lab's own /sys/fs/cgroup, a probe container on the engine, or none.
import type { ProbeChoice } from '../model/results.js';
import type { MemoryProbe } from './sampler.js';

export const MEMORY_PROBE_MODES = ['auto', 'host', 'engine'] as const;
export type MemoryProbeMode = (typeof MEMORY_PROBE_MODES)[number];


/** What a canary found out: whether this process sees the engine's cgroups, and why the engine probe cannot run (null: it can). */
export interface ProbeAbilities {
  hostSeesEngine: boolean;
  engineProbeError: string | null;
}

const HIDDEN = "this process cannot see the engine's cgroups (Docker Desktop, a remote DOCKER_HOST, or the lab in a container)";

/** Pure: the host read where it works (cheaper), else the engine probe, else none, with the reason either way. */
export function chooseMemoryProbe(requested: MemoryProbeMode, abilities: ProbeAbilities): ProbeChoice {
  const engineBroken = `the engine probe cannot run: ${abilities.engineProbeError}`;
  if (requested === 'host') {
    return abilities.hostSeesEngine ? { probe: 'host', reason: '--memory-probe host' } : { probe: 'none', reason: `--memory-probe host, but ${HIDDEN}` };
  }
  if (requested === 'engine') {
    return abilities.engineProbeError === null ? { probe: 'engine', reason: '--memory-probe engine' } : { probe: 'none', reason: `--memory-probe engine, but ${engineBroken}` };
  }
  if (abilities.hostSeesEngine) return { probe: 'host', reason: "this process sees the engine's cgroups: read directly" };
  if (abilities.engineProbeError === null) return { probe: 'engine', reason: `${HIDDEN}: a probe container on the engine reads them` };
  return { probe: 'none', reason: `${HIDDEN}, and ${engineBroken}` };
}

/** The warning a run prints at its start, and its report repeats, when no probe can read memory. */
export function noProbeWarning(choice: ProbeChoice): string | null {
  return choice.probe === 'none' ? `memory cannot be read, so every peak will be n/a: ${choice.reason}` : null;
}

/** A probe that never reads: peaks stay null, and its source says why. */
export function unavailableProbe(reason: string): MemoryProbe {
  return { source: `none (${reason})`, read: async () => null };
}
