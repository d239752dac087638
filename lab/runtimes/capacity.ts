// What a runtime's machine has room for: the input of the auto concurrency.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { execa } from 'execa';
import type { Capacity } from '../concurrency.js';
import { parseQuantity } from '../model/quantity.js';
import type { Kubectl } from '../tools/kubectl.js';

/** MemAvailable of this machine's kernel, in bytes; null where /proc/meminfo has none. */
async function memAvailable(): Promise<number | null> {
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const kib = /^MemAvailable:\s+(\d+) kB$/m.exec(meminfo)?.[1];
  return kib ? Number(kib) * 1024 : null;
}

/**
 * The engine's machine: its CPUs, and its memory. Where the engine runs on this kernel (its total is this
 * machine's), what is available now; on another (Docker Desktop's VM, a remote DOCKER_HOST) its total.
 */
export async function engineCapacity(): Promise<Capacity> {
  const info = await execa('docker', ['info', '--format', '{{json .}}'], { reject: false });
  const parsed = (info.exitCode === 0 ? JSON.parse(info.stdout) : {}) as { NCPU?: number; MemTotal?: number; Name?: string };
  const cpus = parsed.NCPU ?? os.availableParallelism();
  const total = parsed.MemTotal ?? os.totalmem();
  const sameKernel = Math.abs(total - os.totalmem()) < 64 * 2 ** 20;
  const available = sameKernel ? ((await memAvailable()) ?? os.freemem()) : total;
  return { cpus, availableBytes: Math.min(available, total), source: sameKernel ? "the engine's machine, this one" : `the engine's machine (${parsed.Name ?? 'remote'}), its total memory` };
}

interface NodeList {
  items: { spec?: { unschedulable?: boolean }; status?: { allocatable?: { cpu?: string; memory?: string } } }[];
}

function cpuCores(text: string): number {
  return text.endsWith('m') ? Number(text.slice(0, -1)) / 1000 : Number(text);
}

/** A cluster's schedulable nodes, summed: the scheduler spreads the pods over them. */
export async function clusterCapacity(kubectl: Kubectl): Promise<Capacity> {
  const nodes = (await kubectl.json<NodeList>(['get', 'nodes'])).items.filter((node) => !node.spec?.unschedulable);
  let cpus = 0;
  let memory = 0;
  for (const node of nodes) {
    cpus += cpuCores(node.status?.allocatable?.cpu ?? '0');
    memory += parseQuantity(node.status?.allocatable?.memory ?? '0');
  }
  return { cpus, availableBytes: memory, source: `${nodes.length} schedulable node(s), allocatable` };
}
