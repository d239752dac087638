import { UsageError } from '../errors.js';
import { noProbeWarning } from '../observe/probe-choice.js';
import type { RuntimeFlagValues } from './flags.js';
import type { Progress } from '../progress.js';
import { constructRuntime, refuseForeignFlags, type RuntimeName } from './registry.js';
import type { Runtime, RuntimeInfo } from './runtime.js';

/**
 * The runtime, built from the registry with its own flags, once the memory probe asked for is one it declares it can
 * honour and no other runtime's flag was given. The memory check comes first: its hint (use --node-probe) says more.
 */
export async function createRuntime(name: RuntimeName, runId: string, flags: RuntimeFlagValues, progress: Progress): Promise<Runtime> {
  const runtime = await constructRuntime(name, runId, flags, progress);
  const offers = runtime.capabilities.memory;
  const forced = flags.memoryProbe && flags.memoryProbe !== 'auto' ? flags.memoryProbe : null;
  if (forced && !offers.includes(forced)) {
    throw new UsageError(`--memory-probe ${forced}: --runtime ${name} cannot read memory that way (it offers ${offers.join(', ') || 'none'}${offers.includes('node-probe') ? ': use --node-probe' : ''})`);
  }
  refuseForeignFlags(name, flags);
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
