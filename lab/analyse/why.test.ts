import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../paths.js';
import { runRecordSchema, type RunRecord } from '../model/results.js';
import { explainKill } from './why.js';

// Killed repetitions recorded on this machine (docker, cgroup v1): the parallel-effect study, one at a time and four
// at once (Go 1.26.8), and the Go-releases fix matrix. Samples thinned to every second one.
const recorded = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/kills.json'), 'utf8')) as unknown[]).map((run) => runRecordSchema.parse(run));
const byId = (id: string): RunRecord => recorded.find((run) => run.id === id)!;

test('no GOMEMLIMIT: the next heap goal above the limit (the seed baseline)', () => {
  const why = explainKill(byId('baseline-b-43'))!;
  assert.equal(why.kind, 'heap goal above the limit');
  assert.match(why.line, /^killed at 400\.0 MiB: no GOMEMLIMIT, and the next goal, 606 MB \(GOGC=100\), was above the 400 MiB limit; the last GC \(cycle 4\) ended at 303 MB live with a 372 MB goal; memory rose \d+ MiB in its last 1\.0 s; the probe ran at 20 Hz of 20$/);
});

test('GOMEMLIMIT at the limit: allocation outran the mark, after the 3rd or 4th cycle, starved or not', () => {
  for (const id of ['limit-100-51', 'limit-100-31', 'limit-100-48']) assert.equal(explainKill(byId(id))!.kind, 'GC mark outrun by allocation', id);
  assert.match(explainKill(byId('limit-100-31'))!.line, /the last GC \(cycle 3\) ended at 136 MB live with a 159 MB goal; allocation reached the limit before the next cycle finished; memory rose 1\d\d MiB in its last 1\.0 s/);
  assert.match(explainKill(byId('limit-100-48'))!.line, /\(starved: host CPU pressure 0\.99 ≥ 0\.9\)$/);
  assert.match(explainKill(byId('gogc-off-limit.go-1.26.8-4'))!.line, /^killed at 400\.0 MiB before any GC cycle finished: allocation reached the limit first/);
});

test('the two classes this machine has not shown, from recorded kills changed where the rule looks', () => {
  const seq = byId('limit-100-51');
  const process = seq.processes[0]!;
  const lastIndex = process.gcCycles.length - 1;
  const nearLimit = { ...seq, processes: [{ ...process, gcCycles: process.gcCycles.map((c, i) => (i === lastIndex ? { ...c, liveMB: 350, heapEndMB: 352 } : c)) }] };
  assert.equal(explainKill(nearLimit)!.kind, 'live heap near the limit');
  // The cgroup far above the heap at the last cycle: memory Go does not account for (cgo, mmap, a sidecar's page cache).
  const last = process.gcCycles[lastIndex]!;
  // Set side by side by the process's starting line and the sampler's first poll (here 300 ms apart).
  const clocked = { ...seq, processes: [{ ...process, startedAt: '2026-12-06T06:00:00.300Z' }] };
  const memory = { ...seq.memory, startedAt: '2026-12-06T06:00:00.000Z' };
  const atCycle = last.atSeconds * 1000 + 300;
  const outside = { ...clocked, memory: { ...memory, samples: seq.memory.samples.map(([t, bytes]): [number, number] => [t, Math.abs(t - atCycle) <= 300 ? 390 * 2 ** 20 : bytes]) } };
  assert.equal(explainKill(outside)!.kind, 'memory outside the Go heap');
  assert.equal(explainKill({ ...clocked, memory })!.kind, 'GC mark outrun by allocation', 'the recorded samples at that moment hold the heap and little else');
  assert.equal(explainKill({ ...outside, memory: { ...outside.memory, startedAt: null } })!.kind, 'GC mark outrun by allocation', 'clocks not recorded: no claim about memory outside the heap');
  assert.equal(explainKill({ ...seq, outcome: 'survived' }), null, 'only OOM kills get a why');
});
