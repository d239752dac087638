import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import os from 'node:os';
import Dockerode from 'dockerode';
import { GenericContainer, Wait, getContainerRuntimeClient, type ContainerRuntimeClient } from 'testcontainers';
import { UsageError, errorMessage } from '../errors.js';
import { transparentHugepages } from '../observe/kernel.js';
import type { Progress } from '../progress.js';
import { engineCapacity } from './capacity.js';
import type { Capacity } from '../concurrency.js';
import { engineMemoryReaders, type MemoryReaders } from './memory-readers.js';
import type { Plan, RunSpec } from '../model/plan.js';
import { timeoutScale } from '../timeouts.js';
import { notReadyError } from './readiness.js';
import { LAB_LABEL, RUN_LABEL, ownerGone, ownerLabels, type Instance, type InstanceStatus, type Runtime, type RuntimeCapabilities, type RuntimeInfo, type Unavailable } from './runtime.js';
import type { Termination } from '../model/results.js';
import { EventLedger } from './docker-events.js';
import type { RuntimeOptionsOf } from './registry.js';

// No reaper image can be pulled here, and the lab cleans up by its own labels; the bridge gateway is not loopback.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';

const NOT_RUNNING = 'Docker is not running: start it, or run `sudo bash scripts/setup-docker.sh` to install and start one';

/** testcontainers falls back to /var/run/docker.sock when DOCKER_HOST fails; a user who set it means that engine. */
async function checkDockerHost(): Promise<void> {
  const host = process.env.DOCKER_HOST;
  if (!host) return;
  const reachable = await new Dockerode().ping().then(
    () => true,
    () => false,
  );
  if (!reachable) throw new UsageError(`${NOT_RUNNING} (no engine answers at DOCKER_HOST=${host})`);
}

/** Null when the engine answers a ping, else why not. */
export async function engineUnavailable(dockerode: Dockerode): Promise<Unavailable | null> {
  return dockerode.ping().then(
    () => null,
    (error: unknown) => ({ reason: `the Docker engine does not answer (${errorMessage(error)})` }),
  );
}

/** GenericContainer with the host settings testcontainers has no builder for. */
class LabContainer extends GenericContainer {
  withKubernetesLikeLimits(run: RunSpec): this {
    this.hostConfig.Memory = run.memoryLimitBytes;
    this.hostConfig.MemorySwap = run.memoryLimitBytes; // swap equal to the limit means no swap, as on a kubelet node
    this.hostConfig.NanoCpus = run.cpuLimitMillis * 1_000_000;
    this.hostConfig.CpuShares = Math.max(2, Math.round((run.cpuRequestMillis * 1024) / 1000));
    return this;
  }

  /** The engine picks a free port on 127.0.0.1: containers started side by side cannot race for one. */
  withLoopbackPort(port: number): this {
    this.createOpts.ExposedPorts = { ...this.createOpts.ExposedPorts, [`${port}/tcp`]: {} };
    this.hostConfig.PortBindings = { [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] };
    return this;
  }

  /** Like the restricted Pod Security Standard: no capabilities, read-only root, no privilege gain. */
  withRestrictedSecurity(): this {
    this.hostConfig.ReadonlyRootfs = true;
    this.hostConfig.CapDrop = ['ALL'];
    this.hostConfig.SecurityOpt = ['no-new-privileges'];
    return this;
  }

  withRestartPolicy(name: 'no' | 'always'): this {
    this.hostConfig.RestartPolicy = { Name: name };
    return this;
  }
}

async function demuxedLogs(dockerode: Dockerode, container: Dockerode.Container): Promise<string> {
  const raw = (await container.logs({ stdout: true, stderr: true, timestamps: true, follow: false })) as unknown as Buffer;
  const out = new PassThrough();
  const done = text(out);
  const source = Readable.from([raw]);
  dockerode.modem.demuxStream(source, out, out);
  source.on('end', () => out.end());
  return done;
}

export class DockerRuntime implements Runtime {
  readonly name = 'docker' as const;
  readonly capabilities: RuntimeCapabilities = { localEngine: true, image: 'local', memory: ['host', 'engine'], resize: true };
  private client: ContainerRuntimeClient | null = null;
  private readonly ledger = new EventLedger();
  private events: NodeJS.ReadableStream | null = null;
  private memory: MemoryReaders | null = null;

  constructor(
    private readonly runId: string,
    private readonly options: RuntimeOptionsOf<'docker'>,
    private readonly progress: Progress,
  ) {}

  async check(): Promise<void> {
    await checkDockerHost();
    try {
      this.client = await getContainerRuntimeClient();
    } catch {
      throw new UsageError(NOT_RUNNING);
    }
  }

  async provision(): Promise<RuntimeInfo> {
    if (!this.client) await this.check();
    const client = this.requireClient();
    await removeStaleContainers(client);
    const stream = await client.container.dockerode.getEvents({
      filters: { type: ['container'], label: [`${RUN_LABEL}=${this.runId}`] },
    });
    this.events = stream;
    stream.on('data', (chunk: Buffer) => this.ledger.feed(chunk));
    // The stream ending before teardown (an engine restart) loses the 'oom' events after it: say so once.
    const lose = (why: string) => {
      if (this.ledger.lost !== null || this.events !== stream) return;
      this.ledger.lost = why;
      this.progress.info(`WARNING: the engine's event stream ${why}: OOM kills after this are read from each container's state only`);
    };
    stream.on('error', (error: Error) => lose(`failed (${error.message})`));
    stream.on('end', () => lose('ended'));
    const version = await client.container.dockerode.version();
    const info = client.info.containerRuntime;
    this.memory = await engineMemoryReaders(this.options.memoryProbe, this.runId, this.progress, client.container.dockerode);
    return {
      name: 'docker',
      versions: { docker: version.Version, dockerApi: version.ApiVersion, kernel: version.KernelVersion ?? 'unknown' },
      cgroupVersion: (info as { cgroupVersion?: string }).cgroupVersion ?? (await hostCgroupVersion(client)),
      // Only a local engine's kernel is the lab's own, whose /sys it can read.
      transparentHugepages: version.KernelVersion === os.release() ? await transparentHugepages() : null,
      memoryProbe: this.memory.choice,
      notes: [],
    };
  }

  async unavailable(): Promise<Unavailable | null> {
    return engineUnavailable(this.requireClient().container.dockerode);
  }

  private requireClient(): ContainerRuntimeClient {
    if (!this.client) throw new Error('docker runtime used before provision()');
    return this.client;
  }

  /** The plan as JSON: one container per repetition, with its limits and environment. */
  async describe(plan: Plan): Promise<string> {
    const { scenario, runtime, reps, variants, frontier, runs } = plan;
    return `${JSON.stringify({ scenario: scenario.name, runtime, reps, variants, frontier, runs }, null, 2)}\n`;
  }

  capacity(): Promise<Capacity> {
    return engineCapacity();
  }

  async start(run: RunSpec, image: string): Promise<Instance> {
    const client = this.requireClient();
    const { workload } = run;
    const name = `gomemlimit-lab-${this.runId}-${run.id}`;
    const printed: string[] = []; // the last lines, for a service that never gets ready
    const startupMs = (workload.kind === 'sample' ? 30 : workload.readiness.timeoutSeconds) * 1000 * timeoutScale();
    let definition: LabContainer = new LabContainer(image)
      .withName(name)
      .withLabels({ [LAB_LABEL]: '1', [RUN_LABEL]: this.runId, ...ownerLabels(), 'gomemlimit-lab.variant': run.variant })
      .withEnvironment({ ...run.env, ...workload.env })
      .withKubernetesLikeLimits(run)
      .withLoopbackPort(workload.port)
      .withRestrictedSecurity()
      .withRestartPolicy(run.lifecycle === 'long-lived' ? 'always' : 'no')
      .withPullPolicy({ shouldPull: () => false })
      .withStartupTimeout(startupMs)
      .withLogConsumer((stream) => stream.on('data', (line: Buffer | string) => void (printed.push(String(line).trimEnd()) > 5 && printed.shift())));
    if (workload.args.length) definition = definition.withCommand(workload.args);
    // An earlier try of this repetition, spoiled while the engine was away (a restart), may have left its container.
    await client.container.dockerode.getContainer(name).remove({ force: true, v: true }).catch(() => {});
    // A line to wait for is waited for here; HTTP readiness is asked from the host once the port is known (drive).
    if (workload.readiness.log !== null) definition = definition.withWaitStrategy(Wait.forLogMessage(workload.readiness.log));
    const started = await definition.start().catch(async (error: unknown) => {
      await client.container.dockerode.getContainer(name).remove({ force: true, v: true }).catch(() => {});
      if (workload.kind === 'sample') throw error;
      throw notReadyError(run, image, `within ${Math.round(startupMs / 1000)} s`, printed);
    });
    const container = client.container.getById(started.getId());
    const inspect = await client.container.inspect(container);
    const hostPort = inspect.NetworkSettings.Ports[`${workload.port}/tcp`]?.[0]?.HostPort;
    if (!hostPort) throw new Error(`container ${run.id} has no published port`);
    const ledger = this.ledger;
    const memory = this.memory!.forContainer(
      () => container.id,
      async () => (await client.container.inspect(container).catch(() => null))?.State?.Pid || null,
    );
    return {
      id: started.getId(),
      baseUrl: `http://127.0.0.1:${hostPort}`,
      memory,
      restartsAfterExit: run.lifecycle === 'long-lived',
      kernelLogKeys: () => [container.id],
      async status(): Promise<InstanceStatus> {
        const state = await client.container.inspect(container);
        const terminations = [...(ledger.terminations.get(container.id) ?? [])];
        // The event may lag the engine's state: fall back to what inspect already knows.
        if (!state.State.Running && terminations.length === 0 && state.State.FinishedAt && !state.State.FinishedAt.startsWith('0001')) {
          const oomKilled = state.State.OOMKilled;
          terminations.push({
            at: state.State.FinishedAt,
            exitCode: state.State.ExitCode,
            oomKilled,
            reason: oomKilled ? 'OOMKilled' : state.State.ExitCode === 0 ? 'Completed' : 'Error',
          });
        }
        const events = terminations.map((termination) => ({ at: termination.at, reason: termination.oomKilled ? 'oom' : 'die', message: `exit ${termination.exitCode}`, count: 1 }));
        return { running: state.State.Running, restarts: state.RestartCount, terminations, events };
      },
      logs: () => demuxedLogs(client.container.dockerode, container),
      // docker update: swap equal to the limit again, so the container still cannot swap.
      async resize(memoryLimitBytes: number) {
        const started = Date.now();
        const seconds = () => (Date.now() - started) / 1000;
        try {
          await container.update({ Memory: memoryLimitBytes, MemorySwap: memoryLimitBytes });
        } catch (error) {
          return { applied: false, detail: `docker update refused: ${errorMessage(error).split('\n')[0]}`, seconds: seconds() };
        }
        const inForce = (await client.container.inspect(container)).HostConfig.Memory;
        const applied = inForce === memoryLimitBytes;
        return { applied, detail: `HostConfig.Memory ${inForce}`, seconds: seconds() };
      },
      async stop() {
        // force: a container that survived is still running, and must not linger beside the next repetition.
        await container.remove({ force: true, v: true }).catch(() => {});
        await memory.stop?.();
      },
    };
  }

  async teardown(): Promise<void> {
    (this.events as (NodeJS.ReadableStream & { destroy?: () => void }) | null)?.destroy?.();
    this.events = null;
    if (!this.client) return;
    await removeContainers(this.client, [`${RUN_LABEL}=${this.runId}`]);
  }
}

async function removeContainers(client: ContainerRuntimeClient, labelFilters: string[]): Promise<number> {
  const dockerode = client.container.dockerode;
  const found = await dockerode.listContainers({ all: true, filters: { label: labelFilters } });
  await Promise.all(found.map((info) => dockerode.getContainer(info.Id).remove({ force: true, v: true }).catch(() => {})));
  return found.length;
}

/** Containers of an earlier lab process that died without cleaning up (its pid is gone). */
async function removeStaleContainers(client: ContainerRuntimeClient): Promise<void> {
  const dockerode = client.container.dockerode;
  const found = await dockerode.listContainers({ all: true, filters: { label: [LAB_LABEL] } });
  const stale = found.filter((info) => ownerGone(info.Labels));
  await Promise.all(stale.map((info) => dockerode.getContainer(info.Id).remove({ force: true, v: true }).catch(() => {})));
}

/** Removes every container the lab ever created on this engine (for `lab clean`). */
export async function removeAllLabContainers(): Promise<number> {
  try {
    return await removeContainers(await getContainerRuntimeClient(), [LAB_LABEL]);
  } catch (error) {
    throw new UsageError(`cannot clean Docker containers: ${errorMessage(error).split('\n')[0]}`);
  }
}


async function hostCgroupVersion(client: ContainerRuntimeClient): Promise<string> {
  const info = (await client.container.dockerode.info()) as { CgroupVersion?: string };
  return info.CgroupVersion ? `v${info.CgroupVersion}` : 'unknown';
}
