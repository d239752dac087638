import { readFile } from 'node:fs/promises';
import path from 'node:path';

export type CgroupVersion = 'v1' | 'v2';

export interface CgroupMemoryDir {
  version: CgroupVersion;
  dir: string;
}

export interface MemoryReading {
  usageBytes: number;
  /** The kernel's own high-water mark, so peaks between samples are not lost (null where the kernel lacks it). */
  peakBytes: number | null;
  oomKills: number | null;
}

/** Finds the host directory of a process's memory cgroup from /proc/PID/cgroup (v1 memory controller, else v2). */
export async function memoryCgroupOfPid(pid: number, root = '/sys/fs/cgroup', proc = '/proc'): Promise<CgroupMemoryDir | null> {
  const text = await readFile(path.join(proc, String(pid), 'cgroup'), 'utf8').catch(() => null);
  if (text === null) return null;
  return memoryCgroupFromProcFile(text, root);
}

export function memoryCgroupFromProcFile(text: string, root = '/sys/fs/cgroup'): CgroupMemoryDir | null {
  const lines = text.split('\n').filter(Boolean);
  // "4:memory:/docker/<id>" on v1 (possibly with other controllers joined by commas).
  const v1 = lines.map((line) => line.split(':')).find((parts) => parts[1]?.split(',').includes('memory'));
  if (v1 && v1[2] !== undefined) return { version: 'v1', dir: path.join(root, 'memory', v1.slice(2).join(':')) };
  const v2 = lines.find((line) => line.startsWith('0::'));
  if (v2) return { version: 'v2', dir: path.join(root, v2.slice(3)) };
  return null;
}

async function readNumber(file: string): Promise<number | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  const value = Number(text.trim());
  return Number.isFinite(value) ? value : null;
}

async function readKeyed(file: string, key: string): Promise<number | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  const match = text === null ? null : new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

/** One reading of a memory cgroup; null once the cgroup is gone (the container died). */
export async function readCgroupMemory(cgroup: CgroupMemoryDir): Promise<MemoryReading | null> {
  const file = (name: string) => path.join(cgroup.dir, name);
  if (cgroup.version === 'v1') {
    const usageBytes = await readNumber(file('memory.usage_in_bytes'));
    if (usageBytes === null) return null;
    return {
      usageBytes,
      peakBytes: await readNumber(file('memory.max_usage_in_bytes')),
      oomKills: await readKeyed(file('memory.oom_control'), 'oom_kill'),
    };
  }
  const usageBytes = await readNumber(file('memory.current'));
  if (usageBytes === null) return null;
  return {
    usageBytes,
    peakBytes: await readNumber(file('memory.peak')),
    oomKills: await readKeyed(file('memory.events'), 'oom_kill'),
  };
}
