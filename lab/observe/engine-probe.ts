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
import { readJsonLines } from './json-lines.js';
import type { ProbeAbilities } from './probe-choice.js';
import { ProbeFeed, type TargetStats } from './probe-feed.js';
import type { MemoryProbe } from './sampler.js';

/** A container's cgroup, or a cgroup inside it: a kind node's id with the pod's path inside the node. */
export interface EngineProbeTarget {
  containerId: string;
  /** Relative to the container's cgroup, e.g. "kubelet/kubepods/burstable/pod<uid>"; the container itself when absent. */
  cgroupPath?: string;
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

/** A MemoryProbe for one target, and how often the probe has read it. */
export interface EngineMemoryProbe extends MemoryProbe {
  stats(): TargetStats;
}

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
  const feed = new ProbeFeed();
  let ended = false;
  try {
    // Attached before start, so the hello line cannot be missed.
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadWriteStream & { destroy(): void };
    docker.modem.demuxStream(stream, stdout, stderr);
    stream.on('end', () => (stdout.end(), stderr.end()));
    stream.on('error', () => (stdout.end(), stderr.end()));
    const hello = new Promise<void>((resolve, reject) => {
      (async () => {
        for await (const line of readJsonLines(stdout)) if ('value' in line && feed.accept(line.value) && feed.hello) resolve();
        ended = true;
        await finished(stderr).catch(() => {}); // its last words come with the same stream end
        reject(new Error(`the cgroup probe stopped${stderrText ? `: ${stderrText.trim()}` : ''}`));
      })().catch(reject);
    });
    await container.start();
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the cgroup probe said nothing in ${timeoutMs} ms`)), timeoutMs)));
    await Promise.race([hello, timeout]).finally(() => clearTimeout(timer));
    // A probe is stale after ten missed ticks (at least a second): its container died or the engine stalls.
    const staleMs = Math.max(1000, 10_000 / rateHz);
    const version = feed.version!;
    let stopped = false;
    return {
      containerId: container.id,
      version,
      memory(target) {
        const arg = targetArg(target);
        if (!targets.some((known) => targetArg(known) === arg)) throw new Error(`the cgroup probe was not started for ${arg}`);
        return {
          source: `engine probe cgroup ${version}`,
          read: async () => (ended ? null : feed.latest(arg, performance.now(), staleMs)),
          stats: () => feed.stats(arg),
        };
      },
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

/**
 * An engine probe that follows a container through restarts: when `containerId` names a new container, the old
 * probe is stopped and one for the new id started. A probe that fails to start is retried at most once a second.
 */
export function followingEngineProbe(containerId: () => string, options: EngineProbeOptions): MemoryProbe & { stop(): Promise<void> } {
  let current: { id: string; probe: Promise<(EngineMemoryProbe & { stop(): Promise<void> }) | null> } | null = null;
  let failedAt = 0;
  let version: CgroupVersion | null = null;
  let stopped = false;
  const release = (entry: typeof current) => entry?.probe.then((probe) => probe?.stop());
  return {
    get source() {
      return version ? `engine probe cgroup ${version}` : 'engine probe (never found)';
    },
    async read() {
      const id = containerId();
      if (stopped || !id) return null;
      if (current?.id !== id) {
        if (performance.now() - failedAt < 1000) return null;
        void release(current);
        current = {
          id,
          probe: engineCgroupProbe({ containerId: id }, options).catch(() => {
            failedAt = performance.now();
            current = null;
            return null;
          }),
        };
      }
      const probe = await current?.probe;
      if (!probe) return null;
      if (stopped) return null;
      version = probe.source.endsWith('v2') ? 'v2' : 'v1';
      return probe.read();
    },
    async stop() {
      stopped = true;
      await release(current);
    },
  };
}
