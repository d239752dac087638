import { execa } from 'execa';
import type { Capacity } from '../concurrency.js';
import { UsageError } from '../errors.js';
import { clusterCapacity } from './capacity.js';
import { freeLoopbackPort } from '../net.js';
import type { ProbeChoice } from '../model/results.js';
import { unavailableProbe } from '../observe/probe-choice.js';
import { followingProbe } from '../observe/probe-stream.js';
import type { Plan, RunSpec } from '../model/plan.js';
import type { Progress } from '../progress.js';
import { buildCgroupProbe } from '../build/cgroup-probe.js';
import { Kubectl, requireKubectl } from '../tools/kubectl.js';
import { createNamespace, deleteNamespace, runNamespace, deployWorkload, removeWorkload, serverVersion, watchPod, type WorkloadTarget } from './kube/workload.js';
import { SAMPLE_CONTAINER, planManifests, workloadName } from './kube/manifests.js';
import { NodeProbeError, nodeCgroupProbe, startNodeProbe, type NodeProbeSite } from './kube/node-probe.js';
import type { KubeInstanceOptions } from './kube/instance.js';
import { containerStatus, criContainerId, readPod } from './kube/pod.js';
import { supervisedPortForward } from './kube/port-forward.js';
import type { Instance, Runtime, RuntimeCapabilities, RuntimeInfo, Unavailable } from './runtime.js';
import type { RuntimeOptionsOf } from './registry.js';

const REMOTE_NODES = "an existing cluster's nodes are not this machine, so their cgroups cannot be read from here (--node-probe reads them on the node)";
const NODE_PROBE_REASON = "--node-probe: a pod on the workload's node reads its /sys/fs/cgroup (hostPath, read-only)";

function requirePinned(flag: string, image: string): void {
  if (/:latest$/.test(image) || !/[:@]/.test(image.split('/').pop() ?? '')) throw new UsageError(`${flag} ${image}: use a pinned tag or digest, not latest`);
}

/**
 * Any cluster the user's kubeconfig reaches (GKE, EKS, a kept kind cluster). The lab only creates and deletes its
 * own namespace; it never creates or deletes the cluster. The image is one the user pushed where the cluster can pull it.
 */
export class ExistingRuntime implements Runtime {
  readonly name = 'existing' as const;
  readonly capabilities: RuntimeCapabilities = { localEngine: false, image: 'pushed', memory: ['node-probe'], resize: true };
  private kubectl: Kubectl | null = null;
  private readonly namespace: string;
  private probeSite: NodeProbeSite | null = null;

  constructor(
    private readonly runId: string,
    private readonly options: RuntimeOptionsOf<'existing'>,
    private readonly progress: Progress,
  ) {
    this.namespace = runNamespace(runId);
  }

  async check(): Promise<void> {
    if (!this.options.context) throw new UsageError('--runtime existing needs --context NAME (a context in your kubeconfig)');
    if (!this.options.image) throw new UsageError('--runtime existing needs --image REF (the sample image, pushed where the cluster can pull it)');
    requirePinned('--image', this.options.image);
    if (this.options.probeImage && !this.options.nodeProbe) throw new UsageError('--probe-image is for --node-probe');
    if (this.options.probeImage) requirePinned('--probe-image', this.options.probeImage);
    const binary = await requireKubectl();
    const contexts = await execa(binary, ['config', 'get-contexts', '-o', 'name'], { reject: false });
    if (!contexts.stdout.split('\n').includes(this.options.context)) {
      throw new UsageError(`no context "${this.options.context}" in your kubeconfig: see \`kubectl config get-contexts\``);
    }
    this.kubectl = new Kubectl(binary, undefined, this.options.context);
  }

  private target(): WorkloadTarget {
    if (!this.kubectl) throw new Error('existing runtime used before check()');
    return { kubectl: this.kubectl, namespace: this.namespace, runId: this.runId };
  }

  async provision(): Promise<RuntimeInfo> {
    if (!this.kubectl) await this.check();
    const target = this.target();
    const reachable = await target.kubectl.run(['get', '--raw', '/readyz']).then(
      () => true,
      () => false,
    );
    if (!reachable) throw new UsageError(`the cluster of context "${this.options.context}" does not answer`);
    await createNamespace(target, this.options.nodeProbe ? 'privileged' : 'restricted');
    const probe = this.options.nodeProbe ? await this.startNodeProbes(target) : null;
    const memoryProbe: ProbeChoice = probe ? { probe: 'node-probe', reason: NODE_PROBE_REASON } : { probe: 'none', reason: REMOTE_NODES };
    return {
      name: 'existing',
      versions: { context: this.options.context!, image: this.options.image!, ...(probe ? { probeImage: probe.image } : {}), ...(await serverVersion(target.kubectl)) },
      cgroupVersion: probe ? `${probe.version} (node probe)` : 'unknown (remote nodes)',
      transparentHugepages: null,
      memoryProbe,
      notes: [],
    };
  }

  /** A canary probe pod proves that the namespace admits it and the cluster can run its image, before any repetition. */
  private async startNodeProbes(target: WorkloadTarget): Promise<{ image: string; version: string }> {
    const image = this.options.probeImage ?? (await buildCgroupProbe(this.progress)).image;
    this.progress.step(`starting a canary node probe (${image})`);
    const site: NodeProbeSite = { kubectl: target.kubectl, namespace: this.namespace, runId: this.runId, image };
    try {
      const canary = await startNodeProbe(site, null, ['id:gomemlimit-lab-canary']);
      await canary.stop();
      this.probeSite = site;
      return { image, version: canary.version };
    } catch (error) {
      if (!(error instanceof NodeProbeError)) throw error;
      if (error.refusedByAdmission) throw new UsageError(`--node-probe: namespace ${this.namespace} does not admit the probe's hostPath pod: ${error.message}`);
      throw new UsageError(`--node-probe: the probe pod cannot run (${error.message}); make ${image} pullable by the cluster and pass --probe-image`);
    }
  }

  /** The node probe for this pod's container, started before any load so that no early reading is lost. */
  private async podMemory(target: WorkloadTarget, pod: string): Promise<KubeInstanceOptions['memory']> {
    const site = this.probeSite;
    if (!site) return () => unavailableProbe(REMOTE_NODES);
    const found = await readPod(target.kubectl, this.namespace, pod);
    const node = found?.spec?.nodeName ?? '';
    const id = criContainerId(containerStatus(found, SAMPLE_CONTAINER));
    const first = await nodeCgroupProbe(site, node, id);
    return (containerId) => followingProbe('node probe', containerId, (next) => nodeCgroupProbe(site, node, next), { id, probe: first });
  }

  /** The manifests each repetition applies: a ClusterIP Service (reached by port-forward) and the pushed --image. */
  async describe(plan: Plan): Promise<string> {
    const image = this.options.image ?? '<--image>';
    return planManifests(plan, { namespace: this.namespace, runId: this.runId, image, pullPolicy: 'IfNotPresent', podSecurity: this.options.nodeProbe ? 'privileged' : 'restricted' }, null);
  }

  capacity(): Promise<Capacity> {
    return clusterCapacity(this.target().kubectl);
  }

  /** The user's pushed image replaces the locally built one. */
  async start(run: RunSpec): Promise<Instance> {
    const target = this.target();
    const pod = await deployWorkload(target, run, { image: this.options.image!, nodePort: null, pullPolicy: 'IfNotPresent' });
    const memory = await this.podMemory(target, pod);
    const forward = supervisedPortForward(target.kubectl, this.namespace, workloadName(run), await freeLoopbackPort(), run.workload.port);
    return watchPod(target, pod, `http://127.0.0.1:${forward.localPort}`, memory, async () => {
      await forward.stop();
      await removeWorkload(target, run);
    });
  }

  async unavailable(): Promise<Unavailable | null> {
    return this.target().kubectl.apiUnavailable();
  }

  async teardown(): Promise<void> {
    if (this.kubectl) await deleteNamespace(this.target());
  }
}
