// CPU pressure (PSI) over a repetition's window: how much of the time runnable tasks waited for a CPU.
import { readFile } from 'node:fs/promises';

/** The cumulative "some" stall, in microseconds, from a PSI file (/proc/pressure/cpu, a cgroup's cpu.pressure). */
export function parsePressureTotal(text: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith('some '));
  const total = line && /\btotal=(\d+)/.exec(line)?.[1];
  return total ? Number(total) : null;
}

export async function readPressureTotal(file: string): Promise<number | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  return text === null ? null : parsePressureTotal(text);
}

/** The share of a window's wall time in which some task waited for a CPU: the stall's growth over the window. */
export function pressureShare(startUsec: number | null, endUsec: number | null, wallMs: number): number | null {
  if (startUsec === null || endUsec === null || wallMs <= 0 || endUsec < startUsec) return null;
  return Math.min(1, (endUsec - startUsec) / 1000 / wallMs);
}

export const HOST_CPU_PRESSURE = '/proc/pressure/cpu';

/** A reading of the host's PSI now, to difference at the window's end; null where the kernel has no PSI (or it is not this machine's). */
export async function hostPressureMark(): Promise<{ at: number; totalUsec: number } | null> {
  const totalUsec = await readPressureTotal(HOST_CPU_PRESSURE);
  return totalUsec === null ? null : { at: performance.now(), totalUsec };
}

/** The host's CPU pressure since a mark, or null when either end was unreadable. */
export async function hostPressureSince(mark: { at: number; totalUsec: number } | null): Promise<number | null> {
  if (!mark) return null;
  return pressureShare(mark.totalUsec, await readPressureTotal(HOST_CPU_PRESSURE), performance.now() - mark.at);
}
