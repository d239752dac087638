import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { readJsonLines, type JsonLine } from './json-lines.js';
import { ProbeFeed } from './probe-feed.js';

async function collect(chunks: (string | Buffer)[]): Promise<JsonLine[]> {
  const stream = new PassThrough();
  const lines: JsonLine[] = [];
  const done = (async () => {
    for await (const line of readJsonLines(stream)) lines.push(line);
  })();
  for (const chunk of chunks) {
    stream.write(chunk);
    await new Promise((resolve) => setImmediate(resolve)); // each chunk arrives on its own, as from a socket
  }
  stream.end();
  await done;
  return lines;
}

test('JSON lines: lines cut across chunks are joined, \\r\\n and blank lines pass, a bad line is reported, the last needs no newline', async () => {
  const euro = Buffer.from('{"name":"€"}\n');
  const lines = await collect(['{"a":1}\n{"b":', '2}\r\n\n  \n', 'Killed\n', euro.subarray(0, 10), euro.subarray(10), '{"c":3}']);
  assert.deepEqual(
    lines.map((line) => ('value' in line ? line.value : `error: ${line.line}`)),
    [{ a: 1 }, { b: 2 }, 'error: Killed', { name: '€' }, { c: 3 }],
  );
});

const reading = (target: string, t: number, usageBytes: number) => ({
  target,
  t,
  version: 'v2',
  usageBytes,
  peakBytes: usageBytes + 1,
  oomKills: 0,
  cpu: { usageUsec: 10, throttledUsec: null, throttledPeriods: 0, periods: 4 },
});

test('the probe feed keeps the newest reading per target; gone and silence (a dead probe) read as null', () => {
  const feed = new ProbeFeed();
  assert.equal(feed.version, null);
  feed.accept({ hello: 'cgroup-probe', version: 'v2', rateHz: 50, root: '/host/cgroup', targets: ['id:a', 'id:b'] }, 0);
  assert.equal(feed.version, 'v2');
  feed.accept(reading('id:a', 1000, 5), 0);
  feed.accept(reading('id:b', 1000, 7), 0);
  feed.accept(reading('id:a', 1020, 6), 20);
  assert.deepEqual(feed.latest('id:a', 20), { usageBytes: 6, peakBytes: 7, oomKills: 0, cpu: { usageUsec: 10, throttledUsec: null, throttledPeriods: 0, periods: 4 } });
  assert.equal(feed.latest('id:b', 20)?.usageBytes, 7);
  assert.equal(feed.latest('id:c', 20), null, 'a target never named');
  assert.equal(feed.latest('id:a', 5000), null, 'nothing for longer than staleMs');
  feed.accept({ target: 'id:a', t: 1040, gone: true }, 40);
  assert.equal(feed.latest('id:a', 40), null);
  feed.accept(reading('id:a', 1060, 9), 60);
  assert.equal(feed.latest('id:a', 60)?.usageBytes, 9, 'the restarted container');
  assert.deepEqual(feed.stats('id:a'), { readings: 3, gone: 1, achievedHz: 50 });
  assert.deepEqual(feed.stats('id:c'), { readings: 0, gone: 0, achievedHz: null });
});

test('the probe feed rejects lines that are not the probe\'s (wrong types, missing fields)', () => {
  const feed = new ProbeFeed();
  assert.equal(feed.accept({ target: 'x', t: 1, version: 'v3', usageBytes: 1, peakBytes: null, oomKills: null, cpu: null }), null);
  assert.equal(feed.accept({ target: 'x', t: 1, version: 'v1', usageBytes: -1, peakBytes: null, oomKills: null, cpu: null }), null);
  assert.equal(feed.accept({ target: 'x', t: 1, gone: false }), null);
  assert.equal(feed.accept('Killed'), null);
  assert.equal(feed.rejected, 4);
  assert.equal(feed.latest('x'), null);
  assert.ok(feed.accept({ target: 'x', t: 1, version: 'v1', usageBytes: 1, peakBytes: null, oomKills: null, cpu: null }));
});

test("the probe feed keeps the pod's high-water mark past the container's kill, the highest reported", () => {
  const feed = new ProbeFeed();
  assert.equal(feed.parentPeak('id:a'), null);
  feed.accept({ target: 'id:a', t: 980, gone: true, parentPeakBytes: 100 }, 0); // a restarted container's pod
  assert.equal(feed.parentPeak('id:a'), 100);
  feed.accept(reading('id:a', 1000, 5), 0);
  assert.equal(feed.parentPeak('id:a'), 100, 'a reading keeps it');
  feed.accept({ target: 'id:a', t: 1020, gone: true, parentPeakBytes: 134 }, 20);
  assert.equal(feed.latest('id:a', 20), null);
  assert.equal(feed.parentPeak('id:a'), 134, 'the burst the kill ended, seen only in the pod');
  feed.accept({ target: 'id:a', t: 1040, gone: true }, 40);
  assert.equal(feed.parentPeak('id:a'), 134, 'a line without one leaves it');
  feed.accept(reading('id:b', 1000, 5), 0);
  assert.equal(feed.parentPeak('id:b'), null, 'a plain path has none');
});
