// Memory figures read on the engine's own host by a probe container (cgroup-probe/), for engines whose
// host is not the lab's: Docker Desktop, a remote DOCKER_HOST, the lab itself in a container.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import { getContainerRuntimeClient } from 'testcontainers';
import { errorMessage } from '../errors.js';
import { LAB_LABEL, RUN_LABEL, ownerLabels } from '../runtimes/runtime.js';
import type { CgroupVersion } from './cgroup.js';
import type { ProbeAbilities } from './probe-choice.js';
import { followProbeStream, followingProbe, type StoppableProbe, type TargetMemoryProbe } from './probe-stream.js';

/** A container's cgroup, or a cgroup inside it: a kind node's id with the pod's path inside the node. */
export interface EngineProbeTarget {
  containerId: string;
  /** Relative to the container's cgroup, e.g. "kubelet/kubepods/burstable/pod<uid>"; the container itself when absent. */
  cgroupPath?: string;
  /** A pod's container (kind's): the probe's reader then offers the pod cgroup's peak. */
  inPod?: boolean;
}

export interface EngineProbeOptions {
  /** From buildCgroupProbe (lab/stages/cgroup-probe.ts). */
  image: string;
  /** The lab run the probe belongs to, so the runtime's teardown removes it too. */
  runId: string;
  /** Readings per second per target; the probe's default is 50. */
  rateHz?: number;
  /** The cgroupfs on the engine's host. */
  hostCgroupRoot?: string;
  /** Defaults to the engine testcontainers finds (DOCKER_HOST, the local socket). */
  docker?: Dockerode;
  startTimeoutMs?: number;
}

export type EngineMemoryProbe = TargetMemoryProbe;

/** One probe container reading several targets. */
export interface EngineProbe {
  readonly containerId: string;
  readonly version: CgroupVersion;
  memory(target: EngineProbeTarget): EngineMemoryProbe;
  stop(): Promise<void>;
}

/** The probe's argument for a target: id:<container id>[/<path inside its cgroup>]. */
export function targetArg(target: EngineProbeTarget): string {
  const sub = target.cgroupPath?.replace(/^\/+/, '');
  return `id:${target.containerId}${sub ? `/${sub}` : ''}`;
}

const PROBE_ROLE_LABEL = 'gomemlimit-lab.role';

/** Starts the probe container and waits for its hello line; throws with its stderr if it exits first. */
export async function startEngineProbe(targets: EngineProbeTarget[], options: EngineProbeOptions): Promise<EngineProbe> {
  const docker = options.docker ?? (await getContainerRuntimeClient()).container.dockerode;
  const rateHz = options.rateHz ?? 50;
  const container = await docker.createContainer({
    Image: options.image,
    name: `gomemlimit-lab-${options.runId}-cgroup-probe-${randomBytes(3).toString('hex')}`,
    Cmd: ['-rate', String(rateHz), ...targets.map(targetArg)],
    Labels: { [LAB_LABEL]: '1', [RUN_LABEL]: options.runId, ...ownerLabels(), [PROBE_ROLE_LABEL]: 'cgroup-probe' },
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      Binds: [`${options.hostCgroupRoot ?? '/sys/fs/cgroup'}:/host/cgroup:ro`],
      // The host's view of /proc/self/cgroup and of the tree, also where the engine defaults to private (v2).
      CgroupnsMode: 'host',
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      // The stream is read through attach: nothing needs to pile up in the engine's log files.
      LogConfig: { Type: 'none', Config: {} },
      Memory: 64 * 1024 * 1024,
    } as Dockerode.HostConfig & { CgroupnsMode: 'host' },
  });
  const remove = () => container.remove({ force: true, v: true }).catch(() => {});
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let stderrText = '';
  stderr.on('data', (chunk: Buffer) => (stderrText = (stderrText + chunk.toString('utf8')).slice(-4000)));
  try {
    // Attached before start, so the hello line cannot be missed.
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadWriteStream & { destroy(): void };
    docker.modem.demuxStream(stream, stdout, stderr);
    stream.on('end', () => (stdout.end(), stderr.end()));
    stream.on('error', () => (stdout.end(), stderr.end()));
    const lastWords = async () => {
      await finished(stderr).catch(() => {}); // its last words come with the same stream end
      return stderrText;
    };
    const [probe] = await Promise.all([
      followProbeStream(stdout, { where: 'engine probe', rateHz, timeoutMs: options.startTimeoutMs ?? 15_000, lastWords }),
      container.start(),
    ]);
    let stopped = false;
    return {
      containerId: container.id,
      version: probe.version,
      memory: (target) => probe.memory(targetArg(target), target.inPod),
      async stop() {
        if (stopped) return;
        stopped = true;
        await remove();
        stream.destroy();
      },
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** hostCgroupProbe's counterpart for one container: a MemoryProbe with a probe container of its own. */
export async function engineCgroupProbe(target: EngineProbeTarget, options: EngineProbeOptions): Promise<EngineMemoryProbe & { stop(): Promise<void> }> {
  const probe = await startEngineProbe([target], options);
  return { ...probe.memory(target), stop: () => probe.stop() };
}

/**
 * A canary probe (no real target) shows both abilities at once: whether it runs on this engine, and whether
 * this process sees its cgroup (its /proc/PID/cgroup names the container), as it sees no container's otherwise.
 */
export async function probeAbilities(options: EngineProbeOptions, proc = '/proc'): Promise<ProbeAbilities> {
  let canary: EngineProbe;
  try {
    canary = await startEngineProbe([{ containerId: 'gomemlimit-lab-canary' }], options);
  } catch (error) {
    return { hostSeesEngine: false, engineProbeError: errorMessage(error) };
  }
  try {
    const docker = options.docker ?? (await getContainerRuntimeClient()).container.dockerode;
    const pid = (await docker.getContainer(canary.containerId).inspect()).State.Pid;
    const cgroup = pid ? await readFile(path.join(proc, String(pid), 'cgroup'), 'utf8').catch(() => '') : '';
    return { hostSeesEngine: cgroup.includes(canary.containerId), engineProbeError: null };
  } finally {
    await canary.stop();
  }
}

/** An engine probe that follows a container through restarts (a new probe container per container id). */
export function followingEngineProbe(containerId: () => string, options: EngineProbeOptions, inPod = false): StoppableProbe {
  return followingProbe('engine probe', containerId, (id) => engineCgroupProbe({ containerId: id, inPod }, options));
}
