import type { RunSpec } from '../plan.js';
import type { Instance, Runtime } from '../runtimes/runtime.js';

/** Starts one variant instance with the run's limits and environment, and waits until it listens. */
export function deploy(runtime: Runtime, run: RunSpec, image: string): Promise<Instance> {
  return runtime.start(run, image);
}
