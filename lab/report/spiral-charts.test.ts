import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeResultsFixture } from '../../test/fixtures/results-fixture.js';
import { renderSvg } from './chart-kit.js';
import { leakTimelineSpec, ratioSweepSpec } from './spiral-charts.js';
import type { RequestGc, Results } from '../model/results.js';
import { wilsonInterval } from '../analyse/stats.js';

function ratioSweep(): Results {
  const base = makeResultsFixture();
  const template = base.variants[1]!;
  const variants = [0.5, 0.7, 0.9, 1].map((ratio, index) => ({
    ...template, name: `ratio.body-66.ratio-${ratio}`, base: 'ratio', axes: { body: '66', ratio: String(ratio) },
    survival: wilsonInterval(index + 1, 4), gcCpuShareMedian: 0.6 - index * 0.15, latencyMs: { p50: 30_000 - index * 5000, p95: 40_000 - index * 5000 },
  }));
  return { ...base, variants: [base.variants[0]!, ...variants] };
}

test('the ratio chart: one point per swept ratio, grouped by the other axes; absent without a ratio sweep', async () => {
  const spec = ratioSweepSpec(ratioSweep());
  assert.ok(spec);
  const rows = (spec as unknown as { data: { values: { ratio: number; group: string; gcShare: number }[] } }).data.values;
  assert.deepEqual(rows.map((row) => row.ratio), [0.5, 0.7, 0.9, 1]);
  assert.deepEqual([...new Set(rows.map((row) => row.group))], ['body 66']);
  const svg = await renderSvg(spec);
  assert.match(svg, /GOMEMLIMIT as a share of the memory limit/);
  assert.equal(ratioSweepSpec(makeResultsFixture()), null);
});

test('the leak timeline: one point per request from the metrics lines, and the kill as a rule', async () => {
  const base = makeResultsFixture();
  const run = base.runs.find((r) => r.oomKills > 0)!;
  const start = Date.parse(run.startedAt);
  const requests: RequestGc[] = Array.from({ length: 8 }, (_, i) => ({
    at: new Date(start + (i + 1) * 1000).toISOString(), elapsedMs: 900, ok: true, gcCpuShare: 0.05 + i * 0.08, limiterOn: i > 5, gcCycles: 3,
    heapGoalBytes: (100 + i * 30) * 2 ** 20, memoryTotalBytes: (110 + i * 30) * 2 ** 20, goMemoryLimitBytes: null, cgroupMemoryLimitBytes: 400 * 2 ** 20, gomaxprocs: 2, leakCacheBytes: i * 8 * 2 ** 20, allocatedBytes: null,
  }));
  const leaky = { ...run, processes: [{ ...run.processes[0]!, requestMetrics: requests }] };
  const spec = leakTimelineSpec({ ...base, runs: [leaky] });
  assert.ok(spec);
  const rows = (spec as unknown as { data: { values: { t: number }[] } }).data.values;
  assert.equal(rows.length, 8);
  assert.equal(rows[0]!.t, 1);
  assert.match(await renderSvg(spec), /GC share of CPU/);
  assert.equal(leakTimelineSpec(base), null, 'one request per repetition is no timeline');
});
