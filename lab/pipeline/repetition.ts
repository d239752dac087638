import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { buildRunRecord } from '../analyse/summarise.js';
import { startSampler, type RunningSampler } from '../observe/sampler.js';
import type { RunSpec } from '../model/plan.js';
import type { ResizeRecord, RunRecord } from '../model/results.js';
import type { Instance, Runtime } from '../runtimes/runtime.js';
import type { BuildOutput } from '../build/sample.js';
import { drive, waitHealthy } from './drive.js';
import { logsAfterRequests, settledStatus } from '../observe/settle.js';
import { flavourKey } from '../model/variants.js';
import { hostPressureMark, hostPressureSince } from '../observe/pressure.js';
import { kernelOomKills } from '../observe/kmsg.js';

/** One repetition: deploy, drive, settle, sample and collect its logs; its instance is removed whatever happens. */
export async function runRepetition(runtime: Runtime, built: BuildOutput, run: RunSpec, dir: string, signal: AbortSignal): Promise<RunRecord> {
  const startedAt = new Date();
  const pressure = await hostPressureMark();
  const instance = await runtime.start(run, run.workload.image ?? built.samples[flavourKey(run.build)]!.image);
  let sampler: RunningSampler | null = null;
  try {
    sampler = startSampler(instance.memory, 20);
    const resize = await resizeBeforeRequests(instance, run, signal);
    const requests = resize && !resize.applied ? [] : await drive(built.vegeta, instance, run, signal);
    const status = await settledStatus(instance, requests);
    const memory = await sampler.stop();
    sampler = null;
    // The kernel log is this machine's: it speaks for the instance only where its cgroups are this machine's.
    const thisKernel = memory.source.startsWith('host cgroup');
    const kernel = thisKernel ? await kernelOomKills(instance.kernelLogKeys?.() ?? []) : { kills: null, unreadable: "the engine's kernel is not this machine's" };
    const logs = await logsAfterRequests(instance, requests);
    const logFile = path.join('logs', `${run.id}.log`);
    await writeFile(path.join(dir, logFile), logs);
    return buildRunRecord(run, {
      instanceId: instance.id,
      startedAt: startedAt.toISOString(),
      wallSeconds: (Date.now() - startedAt.getTime()) / 1000,
      requests,
      status,
      memory,
      logs,
      logFile,
      resize,
      // This machine's PSI is the engine's only where the memory probe reads this machine's cgroups.
      hostCpuPressure: thisKernel ? await hostPressureSince(pressure) : null,
      kernelOomKills: kernel.kills,
      kernelLogUnreadable: kernel.unreadable,
    });
  } finally {
    // A repetition that threw (a harness fault, tried again) must not leave its sampler polling a dead instance.
    await sampler?.stop().catch(() => {});
    await instance.stop();
  }
}

/** The variant's in-place resize, once the sample answers: its requests then run under the new limit. */
async function resizeBeforeRequests(instance: Instance, run: RunSpec, signal: AbortSignal): Promise<ResizeRecord | null> {
  if (run.resizeToBytes === null) return null;
  if (!instance.resize) throw new Error(`${run.id}: this runtime cannot resize a running instance`);
  await waitHealthy(instance, run, signal);
  const outcome = await instance.resize(run.resizeToBytes);
  if (outcome.applied) await sleep(run.resizeSettleSeconds * 1000, undefined, { signal }).catch(() => {});
  return { fromBytes: run.memoryLimitBytes, toBytes: run.resizeToBytes, ...outcome };
}

export function describeRecord(record: RunRecord): string {
  const verdict = record.outcome === 'oom-killed' ? `OOMKilled ×${record.oomKills}` : record.outcome === 'survived' ? 'survived' : `${record.outcome} (${record.cause})`;
  const gcShare = record.gcCpuShareMax === null ? '' : ` (GC up to ${Math.round(record.gcCpuShareMax * 100)}% of CPU)`;
  const peak = record.memory.peakBytes === null ? 'n/a' : `${(record.memory.peakBytes / 2 ** 20).toFixed(0)} MiB`;
  const gc = record.processes.reduce((sum, process) => sum + process.gcCycles.length, 0);
  return `${record.id}: ${verdict}${gcShare}, ${record.successes}/${record.attempts} requests ok, peak ${peak}, ${gc} GC cycles, restarts ${record.restarts} (${record.wallSeconds.toFixed(1)} s)`;
}
