import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backOff, chooseConcurrency, parseParallel, seededShuffle } from './concurrency.js';
import { UsageError } from './errors.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const seed = { cpuLimitMillis: 200, memoryLimitBytes: 400 * MiB };

test('auto concurrency: CPU quotas and the harness share under the machine less half a core, memory less 2 GiB, at most 16', () => {
  assert.equal(chooseConcurrency('auto', { cpus: 2, availableBytes: 24 * GiB, source: 'this machine' }, seed).parallel, 4); // this machine: 1.5 / 0.35
  assert.match(chooseConcurrency('auto', { cpus: 2, availableBytes: 24 * GiB, source: 'the engine' }, seed).reason, /^auto: 4 at once \(2 CPUs less 0\.5 over 200m \+ 150m of harness each; the engine\), fewer if repetitions come back starved$/);
  assert.equal(chooseConcurrency('auto', { cpus: 4, availableBytes: 24 * GiB, source: 'x' }, seed).parallel, 10); // 3.5 / 0.35
  assert.equal(chooseConcurrency('auto', { cpus: 64, availableBytes: 256 * GiB, source: 'x' }, seed).parallel, 16);
  assert.equal(chooseConcurrency('auto', { cpus: 16, availableBytes: 4 * GiB, source: 'x' }, seed).parallel, 5); // (4 − 2) GiB / 400 MiB
  assert.match(chooseConcurrency('auto', { cpus: 16, availableBytes: 4 * GiB, source: 'x' }, seed).reason, /GiB available less 2 GiB over 400 MiB each/);
  assert.equal(chooseConcurrency('auto', { cpus: 1, availableBytes: 1 * GiB, source: 'x' }, seed).parallel, 1); // never below one
  assert.equal(chooseConcurrency('auto', { cpus: 2, availableBytes: 24 * GiB, source: 'x' }, { cpuLimitMillis: 1000, memoryLimitBytes: 400 * MiB }).parallel, 1);
  const kind = chooseConcurrency('auto', { cpus: 2, availableBytes: 24 * GiB, source: 'x', slots: { count: 1, what: 'NodePort(s) mapped to loopback' } }, seed);
  assert.deepEqual([kind.parallel, kind.reason], [1, 'auto: 1 at once (1 NodePort(s) mapped to loopback; x), fewer if repetitions come back starved']);
  assert.equal(chooseConcurrency(4, { cpus: 2, availableBytes: 24 * GiB, source: 'x', slots: { count: 2, what: 'ports' } }, seed).parallel, 2);
  assert.equal(chooseConcurrency(3, { cpus: 2, availableBytes: 24 * GiB, source: 'x' }, seed).parallel, 3);
});

test("kind's control plane is taken off the CPUs before packing: 2 at once on two cores, not 4", () => {
  const kind = chooseConcurrency('auto', { cpus: 2, availableBytes: 24 * GiB, source: 'x', reserved: { cpus: 0.5, what: "kind's control plane" } }, seed);
  assert.equal(kind.parallel, 2); // (2 − 0.5 − 0.5) / 0.35
  assert.match(kind.reason, /2 CPUs less 0\.5 and 0\.5 for kind's control plane over 200m/);
});

test('auto backs off one at a time after a starved repetition, never below one; a chosen number is kept', () => {
  const auto = chooseConcurrency('auto', { cpus: 2, availableBytes: 24 * GiB, source: 'x' }, seed);
  assert.equal(backOff(auto, { id: 'a-1', starvedBecause: null }), null);
  const three = backOff(auto, { id: 'a-1', starvedBecause: 'host CPU pressure 0.97 ≥ 0.9' })!;
  assert.equal(three.parallel, 3);
  assert.deepEqual(three.backoffs, [{ after: 'a-1', parallel: 3, reason: 'host CPU pressure 0.97 ≥ 0.9' }]);
  let current = three;
  for (let i = 0; i < 5; i++) current = backOff(current, { id: `b-${i}`, starvedBecause: 'x' }) ?? current;
  assert.equal(current.parallel, 1);
  assert.equal(current.backoffs?.length, 3);
  assert.equal(backOff(chooseConcurrency(4, { cpus: 2, availableBytes: 24 * GiB, source: 'x' }, seed), { id: 'c', starvedBecause: 'x' }), null);
});

test('--parallel accepts auto or 1..16, and nothing else', () => {
  assert.equal(parseParallel('auto'), 'auto');
  assert.equal(parseParallel('1'), 1);
  assert.equal(parseParallel('16'), 16);
  for (const bad of ['0', '17', '2.5', 'max', '']) assert.throws(() => parseParallel(bad), UsageError);
});

test('the seeded shuffle is a permutation, the same for the same seed, and different for another', () => {
  const runs = Array.from({ length: 100 }, (_, i) => `v${i % 10}-${Math.floor(i / 10) + 1}`);
  const once = seededShuffle(runs, 1);
  assert.deepEqual(seededShuffle(runs, 1), once);
  assert.deepEqual([...once].sort(), [...runs].sort());
  assert.notDeepEqual(once, runs);
  assert.notDeepEqual(seededShuffle(runs, 2), once);
  // A fixed order, pinned: a change to the generator would change every recorded run order.
  assert.deepEqual(seededShuffle(['a', 'b', 'c', 'd', 'e'], 1), ['e', 'c', 'b', 'a', 'd']);
});
