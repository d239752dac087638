import { UsageError } from '../errors.js';
import { noProbeWarning, type MemoryProbeMode } from '../observe/probe-choice.js';
import type { RuntimeName } from '../plan.js';
import type { Progress } from '../progress.js';
import { DockerRuntime } from '../runtimes/docker.js';
import { ExistingRuntime } from '../runtimes/existing.js';
import { KindRuntime } from '../runtimes/kind.js';
import type { Runtime, RuntimeInfo } from '../runtimes/runtime.js';

export interface RuntimeOptions {
  keepCluster?: boolean;
  nodeImage?: string;
  context?: string;
  image?: string;
  memoryProbe?: MemoryProbeMode;
  nodeProbe?: boolean;
  probeImage?: string;
}

export function createRuntime(name: RuntimeName, runId: string, options: RuntimeOptions, progress: Progress): Runtime {
  if (name !== 'existing' && (options.nodeProbe || options.probeImage)) {
    throw new UsageError(`--node-probe is for --runtime existing: ${name} reads memory on the engine itself (see --memory-probe)`);
  }
  switch (name) {
    case 'docker':
      return new DockerRuntime(runId, { memoryProbe: options.memoryProbe ?? 'auto' }, progress);
    case 'kind':
      return new KindRuntime(runId, { keepCluster: options.keepCluster ?? false, nodeImage: options.nodeImage, memoryProbe: options.memoryProbe ?? 'auto' }, progress);
    case 'existing':
      return new ExistingRuntime(runId, { context: options.context, image: options.image, nodeProbe: options.nodeProbe, probeImage: options.probeImage }, progress);
  }
}

export async function provision(runtime: Runtime, progress: Progress): Promise<RuntimeInfo> {
  progress.step(`provisioning the ${runtime.name} runtime`);
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
