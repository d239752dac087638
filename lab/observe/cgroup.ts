import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MemoryProbe } from './sampler.js';
import { readPressureTotal } from './pressure.js';

export type CgroupVersion = 'v1' | 'v2';

/** A process's cgroup directories as this machine's /sys/fs/cgroup shows them. */
export interface CgroupPaths {
  version: CgroupVersion;
  memory: string;
  /** v1: the cpu controller's directory (cpu.stat); v2: the same directory as memory. */
  cpu: string | null;
  /** v1 only: cpuacct.usage lives here (often the same mount as cpu). */
  cpuacct: string | null;
}

export interface CpuReading {
  usageUsec: number | null;
  throttledUsec: number | null;
  throttledPeriods: number | null;
  /** CFS periods with the quota in force (nr_periods): the denominator of the throttled share. */
  periods: number | null;
  /** cgroup v2's cpu.pressure "some" stall, cumulative microseconds; absent where there is none (v1, the engine probe). */
  pressureUsec?: number | null;
}

export interface MemoryReading {
  usageBytes: number;
  /** The kernel's own high-water mark, so peaks between samples are not lost (null where the kernel lacks it). */
  peakBytes: number | null;
  oomKills: number | null;
  cpu: CpuReading | null;
}

export function cgroupPathsFromProcFile(text: string, root = '/sys/fs/cgroup'): CgroupPaths | null {
  // v1: "4:memory:/docker/<id>", "3:cpu,cpuacct:/docker/<id>"; the hierarchy is mounted at root/<controllers>.
  // v2: "0::/system.slice/docker-<id>.scope", relative to the reader's cgroup namespace.
  const entries = text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', controllers = '', ...rest] = line.split(':');
      return { id, controllers, list: controllers.split(','), path: rest.join(':') };
    });
  const v1 = (name: string) => {
    const entry = entries.find((candidate) => candidate.list.includes(name));
    return entry ? path.join(root, entry.controllers, entry.path) : null;
  };
  const memory = v1('memory');
  if (memory) return { version: 'v1', memory, cpu: v1('cpu'), cpuacct: v1('cpuacct') };
  const unified = entries.find((entry) => entry.id === '0' && entry.controllers === '');
  if (!unified) return null;
  const dir = path.join(root, unified.path);
  return { version: 'v2', memory: dir, cpu: dir, cpuacct: null };
}

export async function cgroupPathsOfPid(pid: number, root = '/sys/fs/cgroup', proc = '/proc'): Promise<CgroupPaths | null> {
  const text = await readFile(path.join(proc, String(pid), 'cgroup'), 'utf8').catch(() => null);
  return text === null ? null : cgroupPathsFromProcFile(text, root);
}

const peakFile = (version: CgroupVersion) => (version === 'v1' ? 'memory.max_usage_in_bytes' : 'memory.peak');

async function readText(file: string): Promise<string | null> {
  return readFile(file, 'utf8').catch(() => null);
}

async function readNumber(file: string): Promise<number | null> {
  const text = await readText(file);
  const value = text === null ? NaN : Number(text.trim());
  return Number.isFinite(value) ? value : null;
}

/** "key value" lines (memory.events, cpu.stat, oom_control) as numbers. */
export function parseKeyed(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^\d+$/.test(value)) values.set(key, Number(value));
  }
  return values;
}

async function readKeyed(file: string): Promise<Map<string, number> | null> {
  const text = await readText(file);
  return text === null ? null : parseKeyed(text);
}

async function readCpu(paths: CgroupPaths): Promise<CpuReading | null> {
  const stat = paths.cpu ? await readKeyed(path.join(paths.cpu, 'cpu.stat')) : null;
  if (paths.version === 'v2') {
    if (!stat) return null;
    const pressureUsec = await readPressureTotal(path.join(paths.cpu!, 'cpu.pressure'));
    return { usageUsec: stat.get('usage_usec') ?? null, throttledUsec: stat.get('throttled_usec') ?? null, throttledPeriods: stat.get('nr_throttled') ?? null, periods: stat.get('nr_periods') ?? null, pressureUsec };
  }
  const usageNs = paths.cpuacct ? await readNumber(path.join(paths.cpuacct, 'cpuacct.usage')) : null;
  if (!stat && usageNs === null) return null;
  const throttledNs = stat?.get('throttled_time');
  return {
    usageUsec: usageNs === null ? null : Math.round(usageNs / 1000),
    throttledUsec: throttledNs === undefined ? null : Math.round(throttledNs / 1000),
    throttledPeriods: stat?.get('nr_throttled') ?? null,
    periods: stat?.get('nr_periods') ?? null,
  };
}

/**
 * Deaths by OOM kill from memory.events (v2) or memory.oom_control (v1). With memory.oom.group set (the kubelet
 * sets it on cgroup v2), the kernel counts the victim twice in oom_kill (once as the victim, once in the group
 * kill) but a group kill once: then deaths are oom_group_kill.
 */
export function deathsFromEvents(events: Map<string, number>): number | null {
  const group = events.get('oom_group_kill') ?? 0;
  return group > 0 ? group : (events.get('oom_kill') ?? null);
}

/** One reading of a cgroup; null once the cgroup is gone (the container died). */
export async function readCgroup(paths: CgroupPaths): Promise<MemoryReading | null> {
  const file = (name: string) => path.join(paths.memory, name);
  const v1 = paths.version === 'v1';
  const usageBytes = await readNumber(file(v1 ? 'memory.usage_in_bytes' : 'memory.current'));
  if (usageBytes === null) return null;
  const events = await readKeyed(file(v1 ? 'memory.oom_control' : 'memory.events'));
  return {
    usageBytes,
    peakBytes: await readNumber(file(peakFile(paths.version))),
    oomKills: events ? deathsFromEvents(events) : null,
    cpu: await readCpu(paths),
  };
}

export interface HostProbeOptions {
  fs?: { root: string; proc: string };
  /** The container is a pod's: its parent cgroup is the pod's, whose peak the probe offers (podPeak). */
  inPod?: boolean;
}

/**
 * Reads a process's cgroup straight from this machine's cgroupfs (the engine shares the lab's kernel).
 * The cgroup appears on start and after each restart: findPid is asked again, at most 5 times a second,
 * when the cgroup vanished or when `identity` (a container id, say) changed.
 */
export function hostCgroupProbe(findPid: () => Promise<number | null>, identity: () => string = () => '', options: HostProbeOptions = {}): MemoryProbe {
  const fs = options.fs ?? { root: '/sys/fs/cgroup', proc: '/proc' };
  let paths: CgroupPaths | null = null;
  let podDir: string | null = null; // kept after the container's cgroup is gone
  let resolvedFor = '';
  let lastResolve = 0;
  let seenVersion: CgroupVersion | null = null; // kept once the cgroup is gone (after a kill)
  return {
    get source() {
      return seenVersion ? `host cgroup ${seenVersion}` : 'host cgroup (never found)';
    },
    async read() {
      const current = identity();
      if (paths && current === resolvedFor) {
        const reading = await readCgroup(paths);
        if (reading) return reading;
      }
      if (Date.now() - lastResolve < 200) return null;
      lastResolve = Date.now();
      resolvedFor = current;
      const pid = await findPid();
      paths = pid ? await cgroupPathsOfPid(pid, fs.root, fs.proc) : null;
      // A process caught while runc moves it in, controller by controller, can still name its parent's memory
      // cgroup (a kind node's: gigabytes). Only a memory cgroup that names the container is the container's.
      if (paths && current && !paths.memory.includes(current)) paths = null;
      if (paths) seenVersion = paths.version;
      if (paths && options.inPod) podDir = path.dirname(paths.memory);
      return paths ? readCgroup(paths) : null;
    },
    ...(options.inPod ? { podPeak: async () => (podDir && seenVersion ? readNumber(path.join(podDir, peakFile(seenVersion))) : null) } : {}),
  };
}
