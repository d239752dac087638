// The engine-side memory reader's image (see lab/observe/engine-probe.ts), built like the sample's.
import path from 'node:path';
import { CGROUP_PROBE_DIR } from '../paths.js';
import type { Progress } from '../progress.js';
import { ensureGoToolchain } from '../tools/go-toolchain.js';
import { buildScratchImage, buildStaticGo, type ScratchGoProgram } from './go-image.js';

export const CGROUP_PROBE_REPOSITORY = 'gomemlimit-lab/cgroup-probe';
const PROBE: ScratchGoProgram = { dir: CGROUP_PROBE_DIR, repository: CGROUP_PROBE_REPOSITORY };

export interface CgroupProbeBuild {
  /** gomemlimit-lab/cgroup-probe:<hash12> */
  image: string;
  binary: string;
  goVersion: string;
}

/** Builds the probe with the local Go (Go's build cache makes a rebuild cheap) and its image when new. */
export async function buildCgroupProbe(progress: Progress): Promise<CgroupProbeBuild> {
  const toolchain = await ensureGoToolchain('local', null, progress);
  const binary = path.join(CGROUP_PROBE_DIR, 'bin', 'cgroup-probe');
  progress.step(`building cgroup-probe with ${toolchain.version} (CGO_ENABLED=0, static)`);
  await buildStaticGo(CGROUP_PROBE_DIR, binary, toolchain);
  return { image: await buildScratchImage(PROBE, binary, progress), binary, goVersion: toolchain.version };
}
