import type { RunSpec } from '../../model/plan.js';
import type { Kubectl } from '../../tools/kubectl.js';
import { scaledDuration } from '../../timeouts.js';
import { KubeInstance, type KubeInstanceOptions } from './instance.js';
import { LAB_LABEL, ownerGone } from '../runtime.js';
import { SAMPLE_CONTAINER, namespaceManifest, toYaml, workloadManifests, workloadName, type ManifestOptions } from './manifests.js';
import { IMAGE_UNAVAILABLE, containerStatus, podSchema, type Pod } from './pod.js';
import { notReadyError } from '../readiness.js';
import { z } from 'zod';
import { UsageError, errorMessage } from '../../errors.js';
import { setTimeout as sleep } from 'node:timers/promises';

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
  const rollout = kubectl.run(['rollout', 'status', `deployment/${name}`, '-n', namespace, `--timeout=${scaledDuration(180)}`]);
  const stuck = new AbortController();
  try {
    await Promise.race([rollout, untilStuck(target, run, options.image, stuck.signal)]);
  } catch (error) {
    if (run.workload.kind === 'service' && !(error instanceof UsageError)) throw await notReady(target, run, options.image, error);
    throw error;
  } finally {
    stuck.abort();
    rollout.catch(() => {});
  }
  const pod = await currentPod(target, run);
  if (!pod) throw new Error(`no pod for ${name}`);
  return pod.metadata.name;
}

const podListSchema = z.looseObject({ items: z.array(podSchema) });

/** The repetition's pod that is not being deleted, whole (its status included), or null. */
async function currentPod(target: WorkloadTarget, run: RunSpec): Promise<Pod | null> {
  const pods = podListSchema.parse(await target.kubectl.json<unknown>(['get', 'pods', '-n', target.namespace, '-l', `gomemlimit-lab/run-id=${run.id}`]));
  return pods.items.find((item) => !item.metadata.deletionTimestamp) ?? null;
}

/** Rejects as soon as the pod waits for an image the cluster cannot have (ErrImagePull and kin); never resolves otherwise. */
async function untilStuck(target: WorkloadTarget, run: RunSpec, image: string, signal: AbortSignal): Promise<never> {
  while (!signal.aborted) {
    await sleep(1000, undefined, { signal }).catch(() => {});
    const waiting = containerStatus(await currentPod(target, run).catch(() => null), SAMPLE_CONTAINER)?.state?.waiting;
    if (waiting?.reason && IMAGE_UNAVAILABLE.test(waiting.reason)) {
      throw new UsageError(`the cluster cannot run ${image} (${waiting.reason}${waiting.message ? `: ${waiting.message.split('\n')[0]}` : ''}): push it where the cluster can pull it`);
    }
  }
  return new Promise<never>(() => {});
}

/** A service that never became ready: a usage problem (port, readiness), told with its last log lines. */
async function notReady(target: WorkloadTarget, run: RunSpec, image: string, error: unknown): Promise<UsageError> {
  const pod = await currentPod(target, run).catch(() => null);
  const logs = pod ? await target.kubectl.run(['logs', pod.metadata.name, '-n', target.namespace, '-c', SAMPLE_CONTAINER, '--tail=5']).catch(() => '') : '';
  return notReadyError(run, image, `(${errorMessage(error).split('\n')[0]})`, logs.split('\n'));
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
