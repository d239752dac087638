import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MemoryReading } from './cgroup.js';
import { oomKillAccumulator, startSampler, type MemoryProbe } from './sampler.js';

const MiB = 2 ** 20;
const reading = (usageBytes: number): MemoryReading => ({ usageBytes, peakBytes: usageBytes, oomKills: 0, cpu: null });

/** A pod container that reads `usages` in turn, then is gone (null), with the pod's peak at `podPeak`. */
function podProbe(usages: (number | null)[], podPeak: number): MemoryProbe {
  let index = 0;
  return {
    source: 'fake cgroup v1',
    read: async () => {
      const usage = usages[Math.min(index++, usages.length - 1)];
      return usage === null || usage === undefined ? null : reading(usage);
    },
    podPeak: async () => podPeak,
  };
}

test("after a kill the sampler's peak is the pod cgroup's: the last burst went with the container's cgroup", async () => {
  const sampler = startSampler(podProbe([90 * MiB, 117 * MiB, null], 128 * MiB), 200);
  await sleep(100);
  const series = await sampler.stop();
  assert.equal(series.peakBytes, 128 * MiB);
  assert.equal(series.peakFrom, 'pod');
});

test("a container that lived keeps its own peak: the pod's adds the pause container", async () => {
  const sampler = startSampler(podProbe([90 * MiB, 117 * MiB], 118 * MiB), 200);
  await sleep(100);
  const series = await sampler.stop();
  assert.equal(series.peakBytes, 117 * MiB);
  assert.equal(series.peakFrom, 'container');
});

test('a pod peak lower than what the container showed changes nothing (a pod cgroup found late, a restart)', async () => {
  const sampler = startSampler(podProbe([120 * MiB, null], 64 * MiB), 200);
  await sleep(100);
  const series = await sampler.stop();
  assert.equal(series.peakBytes, 120 * MiB);
  assert.equal(series.peakFrom, 'container');
});

test('OOM kills are summed over cgroup lifetimes: a restart starts the counter again at zero', async () => {
  const kills = oomKillAccumulator();
  assert.equal(kills.total(), null, 'nothing read: unknown, not zero');
  kills.add(0);
  kills.add(1); // killed, its cgroup gone after this read
  kills.add(0); // the restarted container's new cgroup: the counter went down, a new lifetime
  kills.add(1); // killed again
  kills.add(1); // the same cgroup read again (after a slow or failed read): not a third kill
  assert.equal(kills.total(), 2);
  // The sampler carries it: a probe killed, gone, restarted and killed again reports two.
  const readings = [0, 1, null, 0, 1];
  let index = 0;
  const probe: MemoryProbe = { source: 'fake', read: async () => { const k = readings[Math.min(index++, readings.length - 1)]; return k === null || k === undefined ? null : { ...reading(100 * MiB), oomKills: k }; } };
  const sampler = startSampler(probe, 200);
  await sleep(100);
  assert.equal((await sampler.stop()).oomKillsSeen, 2);
});
