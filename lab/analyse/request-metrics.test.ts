import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequestMetrics } from './request-metrics.js';
import { gcCpuShareMax, slowedBecause } from './cost.js';

const reading = (over: Record<string, number | null>) =>
  ({ gcCycles: 4, limiterLastEnabled: 0, gcCpuSeconds: 0.1, gcIdleMarkCpuSeconds: 0, idleCpuSeconds: 1.0, totalCpuSeconds: 2.0, heapGoalBytes: 4 << 20, memoryTotalBytes: 8 << 20, ...over });

const line = (start: Record<string, number | null>, end: Record<string, number | null>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    level: 'info', msg: 'request metrics', start: reading(start), end: reading(end), memoryLimitBytes: 9223372036854775807, gomaxprocs: 2,
    cgroupMemoryLimitBytes: 419430400, encoder: 'marshal', elapsedMs: 5200, ok: true, leakCacheBytes: 0, time: '2026-12-02T10:00:05Z', ...extra,
  });

test('a request metrics line: GC share of the busy time, the limiter, cycles, and the limits in force', () => {
  const [request] = parseRequestMetrics([
    'gc 5 @1.0s 2%: 0.05+8.5+0.1 ms clock, 0.1+3.9/0.2/8.0+0.2 ms cpu, 32->32->32 MB, 32 MB goal, 0 MB stacks, 0 MB globals, 2 P',
    '{"level":"info","msg":"marshal response done","time":"2026-12-02T10:00:05Z"}',
    // 10 s of wall at GOMAXPROCS 2 = 20 P-seconds, of which 18 idle: 2 busy, 0.9 of them GC.
    line({}, { gcCycles: 9, limiterLastEnabled: 7, gcCpuSeconds: 1.0, idleCpuSeconds: 19.0, totalCpuSeconds: 22.0, heapGoalBytes: 380 << 20 }, { memoryLimitBytes: 419430400 }),
  ]);
  assert.ok(request);
  assert.ok(Math.abs(request.gcCpuShare! - 0.45) < 1e-9);
  assert.equal(request.limiterOn, true);
  assert.equal(request.gcCycles, 5);
  assert.equal(request.heapGoalBytes, 380 << 20);
  assert.equal(request.goMemoryLimitBytes, 419430400);
  assert.equal(request.cgroupMemoryLimitBytes, 419430400);
});

test('mark work on idle Ps counts neither as GC nor as busy time, as for the CPU limiter', () => {
  // 2 s of wall at GOMAXPROCS 2: 4 P-seconds, 0.5 idle; GC 1.5, of which 1.0 on a P that had nothing else to run.
  const [request] = parseRequestMetrics([line({ totalCpuSeconds: 0, idleCpuSeconds: 0, gcCpuSeconds: 0 }, { totalCpuSeconds: 4, idleCpuSeconds: 0.5, gcCpuSeconds: 1.5, gcIdleMarkCpuSeconds: 1.0 })]);
  assert.ok(Math.abs(request!.gcCpuShare! - 0.5 / 2.5) < 1e-9);
  // A line from a sample that did not log the idle mark time keeps the plain busy share.
  const [older] = parseRequestMetrics([line({ totalCpuSeconds: 0, idleCpuSeconds: 0, gcCpuSeconds: 0, gcIdleMarkCpuSeconds: null }, { totalCpuSeconds: 4, idleCpuSeconds: 0.5, gcCpuSeconds: 1.5, gcIdleMarkCpuSeconds: null })]);
  assert.ok(Math.abs(older!.gcCpuShare! - 1.5 / 3.5) < 1e-9);
});

test('no Go limit reads as null; an old Go without the metrics gives nulls, not zeros; other lines are skipped', () => {
  const [calm, old] = parseRequestMetrics([
    line({}, { gcCycles: 6, limiterLastEnabled: 0, gcCpuSeconds: 0.2, idleCpuSeconds: 10.0, totalCpuSeconds: 12.0 }),
    '{"level":"info","msg":"request metrics", broken',
    line({ limiterLastEnabled: null, gcCpuSeconds: null, idleCpuSeconds: null, totalCpuSeconds: null }, { limiterLastEnabled: null, gcCpuSeconds: null, idleCpuSeconds: null, totalCpuSeconds: null }),
  ]);
  assert.equal(calm!.goMemoryLimitBytes, null);
  assert.ok(Math.abs(calm!.gcCpuShare! - 0.1) < 1e-9); // 0.1 of 1 busy P-second
  assert.equal(calm!.limiterOn, false);
  assert.deepEqual([old!.gcCpuShare, old!.limiterOn], [null, null]);
});

test('slowed by the GC alone: a request at or above 40% of the CPU in GC, or with the limiter on', () => {
  const [heavy, calm, limited] = parseRequestMetrics([
    line({}, { gcCpuSeconds: 0.5, idleCpuSeconds: 1.0, totalCpuSeconds: 3.0 }), // 0.4 of 1 busy second
    line({}, { gcCpuSeconds: 0.4, idleCpuSeconds: 1.0, totalCpuSeconds: 3.0 }), // 0.3
    line({}, { gcCycles: 6, limiterLastEnabled: 5, gcCpuSeconds: 0.2, idleCpuSeconds: 1.0, totalCpuSeconds: 3.0 }),
  ]);
  const cost = (requests: typeof heavy[]) => ({ p50Ms: 5000, gcCyclesPerRequest: 5, gcCpuShareMax: gcCpuShareMax(requests.map((r) => r!)), limiterOn: requests.some((r) => r!.limiterOn === true) });
  assert.equal(gcCpuShareMax([calm!, heavy!]), 0.4);
  assert.equal(gcCpuShareMax([]), null);
  assert.equal(slowedBecause(cost([calm, heavy]), null), 'the GC took 40% of the CPU');
  assert.equal(slowedBecause(cost([calm]), null), null);
  assert.equal(slowedBecause(cost([calm, limited]), null), "Go's GC CPU limiter was on");
});

test('what a request allocated: the end less the start of /gc/heap/allocs:bytes; null from a sample that did not log it', () => {
  const [request] = parseRequestMetrics([line({ allocBytes: 10 << 20 }, { allocBytes: 590 << 20 })]);
  assert.equal(request!.allocatedBytes, 580 << 20);
  const [older] = parseRequestMetrics([line({}, {})]);
  assert.equal(older!.allocatedBytes, null);
});
