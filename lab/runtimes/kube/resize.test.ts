import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podSchema } from './pod.js';
import { resizeState } from './resize.js';

const MiB = 2 ** 20;
const pod = (limit: string | undefined, conditions: object[] = []) =>
  podSchema.parse({ metadata: { name: 'p' }, status: { conditions, containerStatuses: [{ name: 'api', ...(limit ? { resources: { limits: { memory: limit, cpu: '200m' } } } : {}) }] } });

test('resize state from the pod: applied once the kubelet reports the limit, refused when Infeasible, pending otherwise', () => {
  assert.equal(resizeState(pod('400Mi'), 400 * MiB).state, 'applied');
  assert.deepEqual(resizeState(pod('600Mi'), 400 * MiB), { state: 'pending', detail: 'limits.memory 600Mi' });
  assert.equal(resizeState(pod('400Mi', [{ type: 'PodResizeInProgress', status: 'True' }]), 400 * MiB).state, 'pending');
  const refused = resizeState(pod('600Mi', [{ type: 'PodResizePending', status: 'True', reason: 'Infeasible', message: 'Node didn\'t have enough capacity' }]), 400 * MiB);
  assert.deepEqual(refused, { state: 'refused', detail: "the kubelet refused it (PodResizePending Infeasible: Node didn't have enough capacity)" });
  assert.match(resizeState(pod('600Mi', [{ type: 'PodResizePending', status: 'True', reason: 'Deferred', message: 'later' }]), 400 * MiB).detail, /^PodResizePending Deferred: later$/);
  assert.equal(resizeState(null, 400 * MiB).state, 'pending');
  assert.equal(resizeState(pod(undefined), 400 * MiB).detail, 'limits.memory not reported');
});
