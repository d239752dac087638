// One choice of memory reader for every runtime whose containers run on a Docker engine (docker, kind).
import type Dockerode from 'dockerode';
import { errorMessage } from '../errors.js';
import { hostCgroupProbe } from '../observe/cgroup.js';
import { followingEngineProbe, probeAbilities } from '../observe/engine-probe.js';
import type { ProbeChoice } from '../model/results.js';
import { chooseMemoryProbe, unavailableProbe, type MemoryProbeMode, type ProbeAbilities } from '../observe/probe-choice.js';
import type { MemoryProbe } from '../observe/sampler.js';
import type { Progress } from '../progress.js';
import { buildCgroupProbe } from '../build/cgroup-probe.js';

export type ContainerMemoryProbe = MemoryProbe & { stop?: () => Promise<void> };

export interface MemoryReaders {
  choice: ProbeChoice;
  /**
   * A reader for one experiment container, found by its engine id (docker) or CRI id (a kind pod's, inside
   * the node); `containerId` is asked again on each read, since a restart gives a new one. `inPod`: a pod's
   * container, whose pod cgroup's peak is read too.
   */
  forContainer(containerId: () => string, hostPid: () => Promise<number | null>, inPod?: boolean): ContainerMemoryProbe;
}

/** `docker` defaults to the engine testcontainers finds (DOCKER_HOST, the local socket). */
export async function engineMemoryReaders(requested: MemoryProbeMode, runId: string, progress: Progress, docker?: Dockerode): Promise<MemoryReaders> {
  // The probe's image is built and run once as a canary; a probe that cannot run is not fatal here.
  let image = '';
  let buildError: string | null = null;
  try {
    image = (await buildCgroupProbe(progress)).image;
  } catch (error) {
    buildError = `its image could not be built: ${errorMessage(error).split('\n')[0]}`;
  }
  const found: ProbeAbilities = buildError ? { hostSeesEngine: requested === 'host', engineProbeError: buildError } : await probeAbilities({ image, runId, docker });
  const choice = chooseMemoryProbe(requested, found);
  return {
    choice,
    forContainer(containerId, hostPid, inPod = false) {
      switch (choice.probe) {
        case 'host':
          return hostCgroupProbe(hostPid, containerId, { inPod });
        case 'engine':
          return followingEngineProbe(containerId, { image, runId, docker }, inPod);
        case 'node-probe': // a cluster's choice (--node-probe), never an engine's
        case 'none':
          return unavailableProbe(choice.reason);
      }
    },
  };
}
