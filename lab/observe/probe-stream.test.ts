import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { followProbeStream, followingProbe, type StoppableProbe } from './probe-stream.js';

const hello = { hello: 'cgroup-probe', version: 'v2', rateHz: 50, targets: ['id:a'] };
const reading = (usageBytes: number) => ({ target: 'id:a', t: Date.now(), version: 'v2', usageBytes, peakBytes: usageBytes + 1, oomKills: 0, cpu: null });
const line = (value: unknown) => `${JSON.stringify(value)}\n`;

test('a probe stream: ready at its hello, each target read from its newest line, null once the stream ends', async () => {
  const stdout = new PassThrough();
  stdout.write('not json\n');
  stdout.write(line(hello));
  const stream = await followProbeStream(stdout, { where: 'node probe', rateHz: 50, timeoutMs: 2000, lastWords: async () => '' });
  assert.equal(stream.version, 'v2');
  assert.throws(() => stream.memory('id:b'), /not started for id:b/);
  const memory = stream.memory('id:a');
  assert.equal(memory.source, 'node probe cgroup v2');
  stdout.write(line(reading(10)));
  stdout.write(line(reading(20)));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(await memory.read(), { usageBytes: 20, peakBytes: 21, oomKills: 0, cpu: null });
  stdout.end();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(await memory.read(), null);
});

test('a probe stream that ends before its hello fails with its last words; one that stays silent times out', async () => {
  const dead = new PassThrough();
  dead.end('panic: no cgroup\n');
  await assert.rejects(followProbeStream(dead, { where: 'engine probe', rateHz: 50, timeoutMs: 2000, lastWords: async () => 'exit 2: no cgroupfs' }), /stopped: exit 2: no cgroupfs/);
  await assert.rejects(followProbeStream(new PassThrough(), { where: 'engine probe', rateHz: 50, timeoutMs: 50, lastWords: async () => '' }), /said nothing in 50 ms/);
});

test('a following probe starts one probe per container id and stops the one it replaces', async () => {
  const started: string[] = [];
  const stoppedIds: string[] = [];
  const fake = (id: string): StoppableProbe => ({
    source: 'node probe cgroup v1',
    read: async () => ({ usageBytes: id.length, peakBytes: null, oomKills: null, cpu: null }),
    stop: async () => void stoppedIds.push(id),
  });
  let id = 'first';
  const probe = followingProbe('node probe', () => id, async (next) => (started.push(next), fake(next)), { id: 'first', probe: fake('first') });
  assert.equal((await probe.read())?.usageBytes, 5);
  assert.deepEqual(started, [], 'the probe started beforehand is used');
  id = 'second-one';
  assert.equal((await probe.read())?.usageBytes, 10);
  assert.deepEqual([started, stoppedIds], [['second-one'], ['first']]);
  await probe.stop();
  assert.deepEqual(stoppedIds, ['first', 'second-one']);
  assert.equal(await probe.read(), null);
});

test("a following probe's pod peak is the highest any of its probes read: the newest may not have read the pod yet", async () => {
  const peaks: Record<string, number | null> = { killed: 200, restarted: null };
  const fake = (id: string): StoppableProbe => ({
    source: 'node probe cgroup v1',
    read: async () => ({ usageBytes: 1, peakBytes: null, oomKills: null, cpu: null }),
    podPeak: async () => peaks[id] ?? null,
    stop: async () => {},
  });
  let id = 'killed';
  const probe = followingProbe('node probe', () => id, async (next) => fake(next), { id, probe: fake(id) });
  await probe.read();
  id = 'restarted';
  await probe.read();
  assert.equal(await probe.podPeak!(), 200);
  peaks.restarted = 201;
  assert.equal(await probe.podPeak!(), 201);
});

test('a following probe whose own probe died under the same container counts a loss and starts another, a second later', async () => {
  const started: string[] = [];
  let alive = true;
  const fake = (id: string): StoppableProbe => ({
    source: 'engine probe cgroup v1',
    read: async () => ({ usageBytes: 1, peakBytes: null, oomKills: null, cpu: null }),
    alive: () => alive,
    stop: async () => {},
  });
  const probe = followingProbe('engine probe', () => 'same', async (next) => (started.push(next), fake(next)), { id: 'same', probe: fake('same') });
  assert.equal((await probe.read())?.usageBytes, 1);
  alive = false;
  assert.equal(await probe.read(), null, 'the dead probe reads nothing');
  assert.equal(probe.losses!(), 1);
  assert.equal(await probe.read(), null, 'not started again within a second');
  assert.deepEqual(started, []);
  alive = true;
  await new Promise((resolve) => setTimeout(resolve, 1050));
  assert.equal((await probe.read())?.usageBytes, 1);
  assert.deepEqual(started, ['same']);
  assert.equal(probe.losses!(), 1);
  await probe.stop();
});
