import { UsageError } from '../errors.js';
import type { RuntimeName } from '../plan.js';
import type { Progress } from '../progress.js';
import { DockerRuntime } from '../runtimes/docker.js';
import type { Runtime, RuntimeInfo } from '../runtimes/runtime.js';

export function createRuntime(name: RuntimeName, runId: string): Runtime {
  switch (name) {
    case 'docker':
      return new DockerRuntime(runId);
    case 'kind':
    case 'existing':
      throw new UsageError(`the ${name} runtime is not available yet: use --runtime docker`);
  }
}

export async function provision(runtime: Runtime, progress: Progress): Promise<RuntimeInfo> {
  progress.step(`provisioning the ${runtime.name} runtime`);
  const info = await runtime.provision();
  progress.info(`${Object.entries(info.versions).map(([tool, version]) => `${tool} ${version}`).join(', ')}; cgroup ${info.cgroupVersion}`);
  return info;
}
