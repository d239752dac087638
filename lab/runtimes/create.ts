import { UsageError } from '../errors.js';
import { noProbeWarning } from '../observe/probe-choice.js';
import type { RuntimeOptions } from './flags.js';
import type { RuntimeName } from '../model/plan.js';
import type { Progress } from '../progress.js';
import { DockerRuntime } from './docker.js';
import { ExistingRuntime } from './existing.js';
import { KindRuntime } from './kind/runtime.js';
import type { Runtime, RuntimeInfo } from './runtime.js';

export type { RuntimeOptions } from './flags.js';

function constructRuntime(name: RuntimeName, runId: string, options: RuntimeOptions, progress: Progress): Runtime {
  switch (name) {
    case 'docker':
      return new DockerRuntime(runId, { memoryProbe: options.memoryProbe ?? 'auto' }, progress);
    case 'kind':
      return new KindRuntime(runId, { keepCluster: options.keepCluster ?? false, nodeImage: options.nodeImage, memoryProbe: options.memoryProbe ?? 'auto' }, progress);
    case 'existing':
      return new ExistingRuntime(runId, { context: options.context, image: options.image, nodeProbe: options.nodeProbe, probeImage: options.probeImage }, progress);
  }
}

/** The runtime, once the memory flags asked for are ones it declares it can honour. */
export function createRuntime(name: RuntimeName, runId: string, options: RuntimeOptions, progress: Progress): Runtime {
  const runtime = constructRuntime(name, runId, options, progress);
  const offers = runtime.capabilities.memory;
  if ((options.nodeProbe || options.probeImage) && !offers.includes('node-probe')) {
    throw new UsageError(`--node-probe is for a cluster the lab does not run: --runtime ${name} reads memory on the engine itself (see --memory-probe)`);
  }
  const forced = options.memoryProbe && options.memoryProbe !== 'auto' ? options.memoryProbe : null;
  if (forced && !offers.includes(forced)) {
    throw new UsageError(`--memory-probe ${forced}: --runtime ${name} cannot read memory that way (it offers ${offers.join(', ') || 'none'}${offers.includes('node-probe') ? ': use --node-probe' : ''})`);
  }
  return runtime;
}

export async function provision(runtime: Runtime, progress: Progress): Promise<RuntimeInfo> {
  const info = await runtime.provision();
  progress.info(`${Object.entries(info.versions).map(([tool, version]) => `${tool} ${version}`).join(', ')}; cgroup ${info.cgroupVersion}`);
  const warning = noProbeWarning(info.memoryProbe);
  if (warning) {
    progress.info(`WARNING: ${warning}`);
    return { ...info, notes: [...info.notes, `WARNING: ${warning}`] };
  }
  progress.info(`memory: ${info.memoryProbe.probe} probe (${info.memoryProbe.reason})`);
  return info;
}
