// In-place pod resize (Kubernetes 1.33+): the resize subresource, then the kubelet's own report that it is applied.
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../../errors.js';
import { formatQuantity, parseQuantity } from '../../model/quantity.js';
import { timeoutScale } from '../../timeouts.js';
import type { Kubectl } from '../../tools/kubectl.js';
import type { ResizeOutcome } from '../runtime.js';
import { SAMPLE_CONTAINER } from './manifests.js';
import { containerStatus, readPod, type Pod } from './pod.js';

const APPLY_SECONDS = 60;

/** Where the kubelet stands: applied at the new limit, refused (Infeasible), or still under way. */
export function resizeState(pod: Pod | null, memoryLimitBytes: number): { state: 'applied' | 'refused' | 'pending'; detail: string } {
  const conditions = pod?.status?.conditions ?? [];
  const pending = conditions.find((condition) => condition.type === 'PodResizePending' && condition.status !== 'False');
  if (pending?.reason === 'Infeasible') return { state: 'refused', detail: `the kubelet refused it (PodResizePending Infeasible: ${pending.message ?? 'no message'})` };
  const inProgress = conditions.some((condition) => condition.type === 'PodResizeInProgress' && condition.status !== 'False');
  const limit = containerStatus(pod, SAMPLE_CONTAINER)?.resources?.limits?.memory;
  const inForce = limit === undefined ? null : parseQuantity(limit);
  if (inForce === memoryLimitBytes && !pending && !inProgress) return { state: 'applied', detail: `status.containerStatuses[].resources.limits.memory ${limit}` };
  const why = pending ? `PodResizePending ${pending.reason ?? ''}: ${pending.message ?? ''}` : inProgress ? 'PodResizeInProgress' : `limits.memory ${limit ?? 'not reported'}`;
  return { state: 'pending', detail: why.trim() };
}

export async function resizePod(kubectl: Kubectl, namespace: string, pod: string, memoryLimitBytes: number): Promise<ResizeOutcome> {
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  const patch = { spec: { containers: [{ name: SAMPLE_CONTAINER, resources: { limits: { memory: formatQuantity(memoryLimitBytes) } } }] } };
  try {
    await kubectl.run(['patch', 'pod', pod, '-n', namespace, '--subresource', 'resize', '--type', 'strategic', '-p', JSON.stringify(patch)]);
  } catch (error) {
    const reason = ((error as { stderr?: string }).stderr || errorMessage(error)).trim().split('\n').at(-1);
    return { applied: false, detail: `the API server refused the resize: ${reason}`, seconds: seconds() };
  }
  const deadline = Date.now() + APPLY_SECONDS * 1000 * timeoutScale();
  let last = { state: 'pending', detail: 'not read yet' } as ReturnType<typeof resizeState>;
  while (Date.now() < deadline) {
    last = resizeState(await readPod(kubectl, namespace, pod), memoryLimitBytes);
    if (last.state !== 'pending') return { applied: last.state === 'applied', detail: last.detail, seconds: seconds() };
    await sleep(500);
  }
  return { applied: false, detail: `not applied within ${Math.round(APPLY_SECONDS * timeoutScale())} s (${last.detail})`, seconds: seconds() };
}
