import type { RunSpec } from '../../model/plan.js';
import type { Kubectl } from '../../tools/kubectl.js';
import { scaledDuration } from '../../timeouts.js';
import { KubeInstance, type KubeInstanceOptions } from './instance.js';
import { LAB_LABEL, ownerGone } from '../runtime.js';
import { namespaceManifest, toYaml, workloadManifests, workloadName, type ManifestOptions } from './manifests.js';

/** The one namespace a run creates, and deletes, on a cluster. */
export function runNamespace(runId: string): string {
  return `gomemlimit-lab-${runId}`;
}

export interface WorkloadTarget {
  kubectl: Kubectl;
  namespace: string;
  runId: string;
}

export async function createNamespace(target: WorkloadTarget, podSecurity: ManifestOptions['podSecurity'] = 'restricted'): Promise<void> {
  await target.kubectl.apply(toYaml([namespaceManifest({ namespace: target.namespace, runId: target.runId, image: '', nodePort: null, podSecurity })]));
}

/** Namespaces of earlier lab runs on this machine whose process is gone (a crash, a kill -9). */
export async function removeStaleNamespaces(kubectl: Kubectl): Promise<string[]> {
  const list = await kubectl.json<{ items: { metadata: { name: string; labels?: Record<string, string> } }[] }>(['get', 'namespaces', '-l', LAB_LABEL]);
  const stale = list.items.filter((item) => ownerGone(item.metadata.labels));
  for (const item of stale) await kubectl.run(['delete', 'namespace', item.metadata.name, '--wait=false']).catch(() => {});
  return stale.map((item) => item.metadata.name);
}

export async function deleteNamespace(target: WorkloadTarget): Promise<void> {
  await target.kubectl.run(['delete', 'namespace', target.namespace, '--wait=false', '--ignore-not-found']).catch(() => {});
}

/** Applies one repetition's Deployment and Service, waits for its pod, and returns the pod's name. */
export async function deployWorkload(target: WorkloadTarget, run: RunSpec, options: Omit<ManifestOptions, 'namespace' | 'runId'>): Promise<string> {
  const { kubectl, namespace } = target;
  const name = workloadName(run);
  await kubectl.apply(toYaml(workloadManifests(run, { ...options, namespace, runId: target.runId })));
  await kubectl.run(['rollout', 'status', `deployment/${name}`, '-n', namespace, `--timeout=${scaledDuration(180)}`]);
  const pods = await kubectl.json<{ items: { metadata: { name: string; deletionTimestamp?: string } }[] }>([
    'get', 'pods', '-n', namespace, '-l', `gomemlimit-lab/run-id=${run.id}`,
  ]);
  const pod = pods.items.find((item) => !item.metadata.deletionTimestamp);
  if (!pod) throw new Error(`no pod for ${name}`);
  return pod.metadata.name;
}

export function removeWorkload(target: WorkloadTarget, run: RunSpec): Promise<void> {
  return target.kubectl
    .run(['delete', 'deployment,service', workloadName(run), '-n', target.namespace, '--wait=true', `--timeout=${scaledDuration(60)}`, '--ignore-not-found'])
    .then(() => undefined, () => undefined);
}

export function watchPod(target: WorkloadTarget, pod: string, baseUrl: string, memory: KubeInstanceOptions['memory'], onStop: () => Promise<void>): KubeInstance {
  return new KubeInstance({ kubectl: target.kubectl, namespace: target.namespace, pod, baseUrl, memory, onStop });
}

export async function serverVersion(kubectl: Kubectl): Promise<{ kubernetes: string; kubernetesGo: string }> {
  const version = await kubectl.json<{ serverVersion?: { gitVersion?: string; goVersion?: string } }>(['version']).catch(() => null);
  return { kubernetes: version?.serverVersion?.gitVersion ?? 'unknown', kubernetesGo: version?.serverVersion?.goVersion ?? 'unknown' };
}
