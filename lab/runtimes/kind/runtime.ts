import { mkdir, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { engineAnswers } from '../../engine.js';
import { UsageError, errorMessage, failureLine } from '../../errors.js';
import { transparentHugepages } from '../../observe/kernel.js';
import { processAlive } from '../../process.js';
import { CACHE_DIR } from '../../paths.js';
import type { Plan, RunSpec } from '../../model/plan.js';
import { IMAGE_REPOSITORY } from '../../build/sample.js';
import { planManifests } from '../kube/manifests.js';
import type { Progress } from '../../progress.js';
import { resolveNodeImage, type NodeImageChoice } from './node-image.js';
import { runSteps, type Step } from '../../steps.js';
import { KIND_STATE_DIR, clusterConfigFor, loopbackNodePorts, type LoopbackPort } from './config.js';
import { engineCapacity } from '../capacity.js';
import type { Capacity } from '../../concurrency.js';
import { createCluster, deleteCluster, ensureKind, kindClusters, loadImage } from './cli.js';
import { Kubectl, kubectlFromNodeImage } from '../../tools/kubectl.js';
import { createNamespace, deleteNamespace, runNamespace, deployWorkload, removeStaleNamespaces, removeWorkload, serverVersion, watchPod, type WorkloadTarget } from '../kube/workload.js';
import { acquireLock, type Lock } from '../lock.js';
import { engineMemoryReaders, type MemoryReaders } from '../memory-readers.js';
import type { Instance, Runtime, RuntimeCapabilities, RuntimeInfo, Unavailable } from '../runtime.js';
import type { RuntimeOptionsOf } from '../registry.js';

export const KIND_CLUSTER = 'gomemlimit-lab';
const KIND_NODE = `${KIND_CLUSTER}-control-plane`;
const LIB_MODULES = '/lib/modules';
/**
 * CPU the kind node's control plane (API server, etcd, controllers, kubelet, containerd) takes while repetitions
 * run, beside the pods' own. Measured here from the node container's cpuacct less the pods' cpu.stat: 0.11 CPU
 * idle, 0.33 with one repetition in flight, 0.48 with 3.6 (pod churn).
 */
const KIND_CONTROL_PLANE_CPUS = 0.5;


/** What the provisioning steps hand to each other. */
interface KindProvision {
  kind: { path: string; version: string };
  nodeImage: NodeImageChoice | null;
  /** Whether the lab's cluster was already there (known once kind is). */
  reused: boolean;
  kubeconfig: string;
  timings: Record<string, number>;
}

/**
 * kind mounts /lib/modules into its nodes, and Docker creates it, empty, on hosts that lack it (these VMs).
 * Once no kind node is left, an empty one is that artefact; rmdir leaves a non-empty one alone.
 */
async function removeEmptyLibModules(): Promise<void> {
  const nodes = await execa('docker', ['ps', '-aq', '--filter', 'label=io.x-k8s.kind.cluster'], { reject: false });
  if (nodes.exitCode === 0 && !nodes.stdout.trim()) await rmdir(LIB_MODULES).catch(() => {});
}

/** The kubelet's restart back-off as configured (KEP-4603 `crashLoopBackOff.maxContainerRestartPeriod`), or its default. */
function crashLoopBackOff(setting: unknown): string {
  const max = (setting as { maxContainerRestartPeriod?: string } | undefined)?.maxContainerRestartPeriod;
  return max ? `10s doubling to ${max}` : 'default: 10s doubling to 300s';
}

/** The host pid of a pod's container, found by scanning /proc: a kind node shares the host's kernel and pid view. */
async function hostPidOfContainer(containerId: string): Promise<number | null> {
  if (!containerId) return null;
  const entries = await readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const cgroup = await readFile(`/proc/${entry}/cgroup`, 'utf8').catch(() => '');
    if (cgroup.includes(containerId)) return Number(entry);
  }
  return null;
}


export class KindRuntime implements Runtime {
  readonly name = 'kind' as const;
  readonly capabilities: RuntimeCapabilities = { localEngine: true, image: 'local', memory: ['host', 'engine'], resize: true };
  private kind = '';
  private kubectl: Kubectl | null = null;
  private createdCluster = false;
  private lock: Lock | null = null;
  private readonly loadedImages = new Map<string, Promise<void>>();
  /** NodePorts mapped to loopback that no instance holds: one per repetition in flight. */
  private freePorts: LoopbackPort[] = [];
  private mappedPorts = 0;
  private readonly namespace: string;
  private memory: MemoryReaders | null = null;

  constructor(
    private readonly runId: string,
    private readonly options: RuntimeOptionsOf<'kind'>,
    private readonly progress: Progress,
  ) {
    this.namespace = runNamespace(runId);
  }

  async check(): Promise<void> {
    if (!(await engineAnswers())) throw new UsageError('Docker is not running: kind needs it; start it, or run `sudo bash scripts/setup-docker.sh`');
    await loopbackNodePorts();
  }

  async provision(): Promise<RuntimeInfo> {
    const context: KindProvision = { kind: { path: '', version: '' }, nodeImage: null, reused: false, kubeconfig: path.join(KIND_STATE_DIR, `${KIND_CLUSTER}.kubeconfig`), timings: {} };
    await runSteps(this.provisionSteps(), context, this.progress);
    const { kind, nodeImage, timings } = context;
    const versions = { ...(await this.versions(kind.version, nodeImage!.image)), nodeImageSource: nodeImage!.source };
    return { name: 'kind', versions, cgroupVersion: await this.nodeCgroupVersion(), transparentHugepages: await transparentHugepages(), memoryProbe: this.memory!.choice, notes: [nodeImage!.reason], timings };
  }

  /** Provisioning as small steps, one status line each (kind's own create flow is the model). */
  private provisionSteps(): Step<KindProvision>[] {
    const timed = async (context: KindProvision, key: string, action: () => Promise<void>) => {
      const started = Date.now();
      await action();
      context.timings[key] = (Date.now() - started) / 1000;
    };
    return [
      {
        title: () => `locking the kind cluster ${KIND_CLUSTER} and finding kind`,
        execute: async (context) => {
          await mkdir(KIND_STATE_DIR, { recursive: true });
          this.lock = await acquireLock(path.join(KIND_STATE_DIR, `${KIND_CLUSTER}.lock`), 'the kind cluster');
          context.kind = await ensureKind(this.progress);
          this.kind = context.kind.path;
          await this.removeCrashedCluster();
          context.reused = (await kindClusters(this.kind)).includes(KIND_CLUSTER);
        },
      },
      {
        title: () => `choosing the node image (--node-image ${this.options.nodeImage})`,
        execute: (context) => timed(context, 'nodeImageSeconds', async () => void (context.nodeImage = await resolveNodeImage(this.options.nodeImage, this.progress))),
      },
      {
        title: (context) => (context.reused ? `re-using kind cluster ${KIND_CLUSTER}` : `creating kind cluster ${KIND_CLUSTER} from ${context.nodeImage!.image}`),
        execute: async (context) => {
          if (context.reused) {
            await writeFile(context.kubeconfig, (await execa(this.kind, ['get', 'kubeconfig', '--name', KIND_CLUSTER])).stdout);
            return;
          }
          await this.markCreated(true);
          this.createdCluster = true;
          const config = await clusterConfigFor(context.nodeImage!.image);
          const logsDir = path.join(KIND_STATE_DIR, `create-failed-${new Date().toISOString().replace(/[:.]/g, '')}`);
          await timed(context, 'clusterCreateSeconds', () => createCluster(this.kind, { name: KIND_CLUSTER, config, image: context.nodeImage!.image, kubeconfig: context.kubeconfig, logsDir }));
        },
      },
      {
        title: () => `creating namespace ${this.namespace}`,
        execute: async (context) => {
          this.kubectl = new Kubectl(await kubectlFromNodeImage(context.nodeImage!.image, KIND_STATE_DIR), context.kubeconfig);
          const stale = await removeStaleNamespaces(this.kubectl);
          if (stale.length) this.progress.info(`removed ${stale.length} namespace(s) left by crashed runs`);
          await createNamespace(this.target());
          const wanted = await loopbackNodePorts();
          this.freePorts = await this.publishedPorts(wanted);
          this.mappedPorts = this.freePorts.length;
          if (this.mappedPorts < wanted.length) this.progress.info(`the kept cluster maps ${this.mappedPorts} of kind-config.yaml's ${wanted.length} loopback NodePorts: at most ${this.mappedPorts} repetition(s) at once (\`npm run lab -- clean\` for all)`);
          if (this.mappedPorts === 0) throw new UsageError(`kind cluster ${KIND_CLUSTER} publishes none of kind-config.yaml's loopback NodePorts: remove it with \`npm run lab -- clean\``);
        },
      },
      {
        // The node is a container on the engine: its pods' cgroups are read like any container's.
        title: () => `choosing the memory probe (--memory-probe ${this.options.memoryProbe})`,
        execute: async () => void (this.memory = await engineMemoryReaders(this.options.memoryProbe, this.runId, this.progress)),
      },
    ];
  }

  /** A cluster created by a run that crashed (its pid is gone) and was not asked to keep it. */
  private async removeCrashedCluster(): Promise<void> {
    const state = await readFile(path.join(KIND_STATE_DIR, 'created-by.json'), 'utf8').then(JSON.parse, () => null) as { pid: number; keep: boolean } | null;
    if (!state || state.keep) return;
    if (!processAlive(state.pid)) {
      this.progress.step(`removing the kind cluster left by a crashed run (pid ${state.pid})`);
      await deleteCluster(this.kind, KIND_CLUSTER);
      await removeEmptyLibModules();
      await rm(path.join(KIND_STATE_DIR, 'created-by.json'), { force: true });
    }
  }

  private async markCreated(created: boolean): Promise<void> {
    const file = path.join(KIND_STATE_DIR, 'created-by.json');
    if (created) await writeFile(file, JSON.stringify({ pid: process.pid, keep: this.options.keepCluster }));
    else await rm(file, { force: true });
  }

  private target(): WorkloadTarget {
    if (!this.kubectl) throw new Error('kind runtime used before provision()');
    return { kubectl: this.kubectl, namespace: this.namespace, runId: this.runId };
  }

  /** The manifests each repetition applies, on the NodePorts kind-config.yaml maps; the image tag comes from the build. */
  async describe(plan: Plan): Promise<string> {
    const ports = (await loopbackNodePorts()).map((port) => port.nodePort);
    return planManifests(plan, { namespace: this.namespace, runId: this.runId, image: `${IMAGE_REPOSITORY}:<build>`, pullPolicy: 'Never' }, ports);
  }

  async capacity(): Promise<Capacity> {
    return {
      ...(await engineCapacity()),
      reserved: { cpus: KIND_CONTROL_PLANE_CPUS, what: "kind's control plane" },
      slots: { count: this.mappedPorts, what: 'NodePort(s) mapped to 127.0.0.1 by the cluster' },
    };
  }

  /** Each image goes into the node once, even when several repetitions start with it at the same moment. */
  private loadOnce(image: string): Promise<void> {
    let loading = this.loadedImages.get(image);
    if (!loading) {
      this.progress.info(`loading ${image} into the kind node`);
      loading = loadImage(this.kind, KIND_CLUSTER, image);
      loading.catch(() => this.loadedImages.delete(image));
      this.loadedImages.set(image, loading);
    }
    return loading;
  }

  async start(run: RunSpec, image: string): Promise<Instance> {
    const target = this.target();
    await this.loadOnce(image);
    const port = this.freePorts.shift();
    if (!port) throw new Error(`no free NodePort for ${run.id}: more repetitions in flight than the ${this.mappedPorts} the cluster maps`);
    const release = () => void this.freePorts.push(port);
    try {
      const pod = await deployWorkload(target, run, { image, nodePort: port.nodePort, pullPolicy: 'Never' });
      const readers = this.memory!;
      return watchPod(target, pod, `http://127.0.0.1:${port.hostPort}`, (id) => readers.forContainer(id, () => hostPidOfContainer(id()), true), async () => {
        await removeWorkload(target, run);
        release();
      });
    } catch (error) {
      await removeWorkload(target, run);
      release();
      throw error;
    }
  }

  /** The engine, the node container, then its API server: the first that is down says why. */
  async unavailable(): Promise<Unavailable | null> {
    const state = await execa('docker', ['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', KIND_NODE], { reject: false, timeout: 10_000 });
    if (state.exitCode !== 0) return { reason: `the kind node ${KIND_NODE} cannot be inspected (${failureLine(state)})` };
    const [status, exitCode] = state.stdout.trim().split(' ');
    // An exited node is not restarted by the engine (kind's on-failure policy skips a kill): the cluster is gone.
    if (status !== 'running' && status !== 'restarting') return { reason: `the kind node ${KIND_NODE} is ${status} (exit ${exitCode})`, lasting: true };
    return this.target().kubectl.apiUnavailable();
  }

  /** The config's loopback NodePorts that the node container really publishes (a kept cluster may predate some). */
  private async publishedPorts(wanted: LoopbackPort[]): Promise<LoopbackPort[]> {
    const { stdout } = await execa('docker', ['port', KIND_NODE], { reject: false });
    const published = new Set(stdout.split('\n').map((line) => /^(\d+)\/tcp -> 127\.0\.0\.1:(\d+)$/.exec(line.trim())).filter(Boolean).map((m) => `${m![1]}:${m![2]}`));
    return wanted.filter((port) => published.has(`${port.nodePort}:${port.hostPort}`));
  }

  private async versions(kindVersion: string, nodeImage: string): Promise<Record<string, string>> {
    const server = await serverVersion(this.target().kubectl);
    const containerd = await execa('docker', ['exec', KIND_NODE, 'containerd', '--version'], { reject: false });
    const backoff = await execa('docker', ['exec', KIND_NODE, 'cat', '/var/lib/kubelet/config.yaml'], { reject: false });
    const kubeletConfig = (backoff.exitCode === 0 ? parseYaml(backoff.stdout) : {}) as Record<string, unknown>;
    return {
      kind: kindVersion,
      nodeImage,
      ...server,
      containerd: containerd.stdout.split(' ')[2] ?? 'unknown',
      kubeletCrashLoopBackOff: crashLoopBackOff(kubeletConfig.crashLoopBackOff),
    };
  }

  private async nodeCgroupVersion(): Promise<string> {
    const { stdout } = await execa('docker', ['exec', KIND_NODE, 'stat', '-fc', '%T', '/sys/fs/cgroup'], { reject: false });
    return stdout.trim() === 'cgroup2fs' ? 'v2' : 'v1';
  }

  async teardown(): Promise<void> {
    try {
      if (this.createdCluster && !this.options.keepCluster) {
        this.progress.step(`deleting kind cluster ${KIND_CLUSTER} (keep it with --keep-cluster)`);
        await deleteCluster(this.kind, KIND_CLUSTER);
        await this.markCreated(false);
        await removeEmptyLibModules();
      } else if (this.kubectl) {
        await deleteNamespace(this.target());
      }
    } catch (error) {
      this.progress.info(`cleanup: ${errorMessage(error)}`);
    } finally {
      await this.lock?.release();
    }
  }
}

/** For `lab clean`: the lab's kind cluster, if kind is installed, and its state files. */
export async function removeLabClusters(): Promise<string[]> {
  const kind = await execa('kind', ['version'], { reject: false }).then(
    (result) => (result.exitCode === 0 ? 'kind' : null),
    () => null,
  );
  const cachedKind = (await readdir(path.join(CACHE_DIR, 'bin')).catch(() => [] as string[])).find((file) => file.startsWith('kind-'));
  const binary = kind ?? (cachedKind ? path.join(CACHE_DIR, 'bin', cachedKind) : null);
  if (!binary) return [];
  const clusters = (await kindClusters(binary).catch(() => [] as string[])).filter((name) => name === KIND_CLUSTER || name.startsWith(`${KIND_CLUSTER}-`));
  for (const cluster of clusters) await deleteCluster(binary, cluster);
  await rm(KIND_STATE_DIR, { recursive: true, force: true });
  await removeEmptyLibModules();
  return clusters;
}
