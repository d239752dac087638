import { readFile } from 'node:fs/promises';

/** The lab's own cost: its peak RSS, and the CPU seconds it and the tools it waited for (vegeta, kubectl) used. */
export interface HarnessCost {
  peakRssBytes: number;
  cpuSeconds: number;
}

export interface HarnessMeter {
  read(): Promise<HarnessCost>;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** cutime and cstime of /proc/self/stat: CPU of the children this process has waited for. */
async function childCpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]); // fields 16 and 17 of the whole line
  return Number.isFinite(ticks) ? ticks / CLOCK_TICKS : 0;
}

export function startHarnessMeter(): HarnessMeter {
  const before = process.resourceUsage();
  const childrenBefore = childCpuSeconds();
  return {
    async read() {
      const now = process.resourceUsage();
      const own = (now.userCPUTime + now.systemCPUTime - before.userCPUTime - before.systemCPUTime) / 1e6;
      return { peakRssBytes: now.maxRSS * 1024, cpuSeconds: own + (await childCpuSeconds()) - (await childrenBefore) };
    },
  };
}
