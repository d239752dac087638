import { execa } from 'execa';
import { UsageError } from '../errors.js';
import { freeLoopbackPort } from '../net.js';
import { unavailableProbe } from '../observe/probe-choice.js';
import type { RunSpec } from '../plan.js';
import { Kubectl, requireKubectl } from '../tools/kubectl.js';
import { createNamespace, deleteNamespace, deployWorkload, removeWorkload, serverVersion, watchPod, type WorkloadTarget } from './kube.js';
import { SAMPLE_PORT, workloadName } from './manifests.js';
import { supervisedPortForward } from './port-forward.js';
import type { Instance, Runtime, RuntimeInfo } from './runtime.js';

const REMOTE_NODES = "an existing cluster's nodes are not this machine, so their cgroups cannot be read from here";

export interface ExistingOptions {
  context?: string;
  image?: string;
}

/**
 * Any cluster the user's kubeconfig reaches (GKE, EKS, a kept kind cluster). The lab only creates and deletes its
 * own namespace; it never creates or deletes the cluster. The image is one the user pushed where the cluster can pull it.
 */
export class ExistingRuntime implements Runtime {
  readonly name = 'existing' as const;
  readonly capabilities = { localEngine: false };
  private kubectl: Kubectl | null = null;
  private readonly namespace: string;

  constructor(
    private readonly runId: string,
    private readonly options: ExistingOptions,
  ) {
    this.namespace = `gomemlimit-lab-${runId}`;
  }

  async check(): Promise<void> {
    if (!this.options.context) throw new UsageError('--runtime existing needs --context NAME (a context in your kubeconfig)');
    if (!this.options.image) throw new UsageError('--runtime existing needs --image REF (the sample image, pushed where the cluster can pull it)');
    if (/:latest$/.test(this.options.image) || !/[:@]/.test(this.options.image.split('/').pop() ?? '')) {
      throw new UsageError(`--image ${this.options.image}: use a pinned tag or digest, not latest`);
    }
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
    await createNamespace(target);
    return {
      name: 'existing',
      versions: { context: this.options.context!, image: this.options.image!, ...(await serverVersion(target.kubectl)) },
      cgroupVersion: 'unknown (remote nodes)',
      transparentHugepages: null,
      memoryProbe: { probe: 'none', reason: REMOTE_NODES },
      notes: [],
    };
  }

  /** The user's pushed image replaces the locally built one. */
  async start(run: RunSpec): Promise<Instance> {
    const target = this.target();
    const pod = await deployWorkload(target, run, { image: this.options.image!, nodePort: null, pullPolicy: 'IfNotPresent' });
    const forward = supervisedPortForward(target.kubectl, this.namespace, workloadName(run), await freeLoopbackPort(), SAMPLE_PORT);
    return watchPod(target, pod, `http://127.0.0.1:${forward.localPort}`, () => unavailableProbe(REMOTE_NODES), async () => {
      await forward.stop();
      await removeWorkload(target, run);
    });
  }

  async teardown(): Promise<void> {
    if (this.kubectl) await deleteNamespace(this.target());
  }
}
