// The engine-side memory reader's image (see lab/observe/engine-probe.ts), built like the sample's.
import { CGROUP_PROBE_DIR } from '../paths.js';
import type { Progress } from '../progress.js';
import { buildLocalGoImage, type ScratchGoBuild } from './go-image.js';

export const CGROUP_PROBE_REPOSITORY = 'gomemlimit-lab/cgroup-probe';

/** gomemlimit-lab/cgroup-probe:<hash12>, re-used when the engine has it. */
export function buildCgroupProbe(progress: Progress): Promise<ScratchGoBuild> {
  return buildLocalGoImage({ dir: CGROUP_PROBE_DIR, repository: CGROUP_PROBE_REPOSITORY }, 'cgroup-probe', progress);
}
