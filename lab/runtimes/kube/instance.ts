import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerMemoryProbe } from '../memory-readers.js';
import type { Kubectl } from '../../tools/kubectl.js';
import { SAMPLE_CONTAINER } from './manifests.js';
import { containerStatus, criContainerId, readPod, type ContainerStatus } from './pod.js';
import type { Instance, InstanceStatus, ResizeOutcome } from '../runtime.js';
import { resizePod } from './resize.js';
import type { RuntimeEvent, Termination } from '../../model/results.js';

interface KubeEvent {
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
}

export interface KubeInstanceOptions {
  kubectl: Kubectl;
  namespace: string;
  pod: string;
  /** Loopback URL that reaches the pod (a kind NodePort mapping, or a port-forward). */
  baseUrl: string;
  /** The sample container's memory reader, given its current CRI id (a restart gives a new one). */
  memory: (containerId: () => string) => ContainerMemoryProbe;
  onStop: () => Promise<void>;
}

/**
 * A pod watched the way the seed's author had to: its status (restarts, last termination) polled,
 * the logs of every container instance followed as they happen, and its cgroup memory read from the host.
 */
export class KubeInstance implements Instance {
  readonly memory: ContainerMemoryProbe;
  readonly restartsAfterExit = true; // a Deployment's pod always restarts its container
  private readonly terminations = new Map<string, Termination>();
  private latest: ContainerStatus | null = null;
  private logText = '';
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private readonly followers = new Set<ReturnType<Kubectl['spawn']>>();

  private readonly kubectl: Kubectl;
  private readonly namespace: string;
  readonly id: string;
  readonly baseUrl: string;
  private readonly onStop: () => Promise<void>;

  constructor(options: KubeInstanceOptions) {
    this.kubectl = options.kubectl;
    this.namespace = options.namespace;
    this.id = options.pod;
    this.baseUrl = options.baseUrl;
    this.onStop = options.onStop;
    this.memory = options.memory(() => this.containerId());
    this.loops.push(this.pollStatus(), this.followLogs());
  }

  private async refreshStatus(): Promise<ContainerStatus | null> {
    const status = containerStatus(await readPod(this.kubectl, this.namespace, this.id), SAMPLE_CONTAINER);
    if (status) this.record(status);
    return status;
  }

  /** Every termination the kubelet reports, once each, whether it shows as the current or the last state. */
  private record(status: ContainerStatus): void {
    this.latest = status;
    for (const terminated of [status.lastState?.terminated, status.state?.terminated]) {
      if (!terminated?.finishedAt) continue;
      const key = terminated.containerID ?? terminated.finishedAt;
      this.terminations.set(key, {
        at: terminated.finishedAt,
        exitCode: terminated.exitCode ?? null,
        reason: terminated.reason ?? 'Unknown',
        oomKilled: terminated.reason === 'OOMKilled',
      });
    }
  }

  private async pollStatus(): Promise<void> {
    while (!this.stopped) {
      await this.refreshStatus();
      await sleep(200);
    }
  }

  /** `kubectl logs -f` ends with each container instance; start again on the next one, so no kill loses its gctrace. */
  private async followLogs(): Promise<void> {
    let followed = '';
    while (!this.stopped) {
      const current = this.latest?.containerID;
      if (!current || current === followed || !this.latest?.state?.running) {
        await sleep(100);
        continue;
      }
      followed = current;
      const follower = this.kubectl.spawn(['logs', '-f', '--timestamps', '-n', this.namespace, this.id, '-c', SAMPLE_CONTAINER]);
      follower.stdout?.on('data', (chunk: Buffer) => (this.logText += chunk.toString('utf8')));
      this.followers.add(follower);
      await follower;
      this.followers.delete(follower);
    }
  }

  private containerId(): string {
    return criContainerId(this.latest);
  }

  /** Every container id the pod has had: a restart starts a new one, in a new cgroup. */
  kernelLogKeys(): string[] {
    return [...new Set([this.containerId(), ...[...this.terminations.keys()].map((key) => criContainerId({ containerID: key }))])].filter(Boolean);
  }

  resize(memoryLimitBytes: number): Promise<ResizeOutcome> {
    return resizePod(this.kubectl, this.namespace, this.id, memoryLimitBytes);
  }

  async status(): Promise<InstanceStatus> {
    const status = (await this.refreshStatus()) ?? this.latest;
    return {
      running: Boolean(status?.state?.running),
      restarts: status?.restartCount ?? 0,
      terminations: [...this.terminations.values()].sort((a, b) => a.at.localeCompare(b.at)),
      events: await this.events(),
    };
  }

  /** The pod's events (BackOff, Killing, OOMKilling where a node problem detector runs), oldest first. */
  private async events(): Promise<RuntimeEvent[]> {
    const list = await this.kubectl
      .json<{ items: KubeEvent[] }>(['get', 'events', '-n', this.namespace, '--field-selector', `involvedObject.name=${this.id}`])
      .catch(() => ({ items: [] as KubeEvent[] }));
    return list.items
      .map((event) => ({
        at: event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? '',
        reason: event.reason ?? '',
        message: event.message ?? '',
        count: event.count ?? 1,
      }))
      .sort((a, b) => a.at.localeCompare(b.at));
  }

  async logs(): Promise<string> {
    await sleep(300); // let the follower drain what the engine has written
    return this.logText;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const follower of this.followers) follower.kill();
    await Promise.allSettled(this.loops);
    await this.memory.stop?.();
    await this.onStop();
  }
}
