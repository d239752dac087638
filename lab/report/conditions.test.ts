import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conditionsOf } from '../analyse/summarise.js';
import type { Results } from '../model/results.js';
import { starvedBecause } from '../model/starved.js';
import { makeResultsFixture } from '../../test/fixtures/results-fixture.js';
import { renderSvg } from './chart-kit.js';
import { conditionsTable, harnessFaultTable, runConditions } from './conditions.js';
import { buildReportModel } from './markdown.js';
import { PRESSURE_TITLE, pressureSpec } from './pressure-chart.js';

/** The fixture with each repetition's host pressure set: baseline's deaths at the given pressures, gomemlimit calm. */
function withPressure(baseline: number[]): Results {
  const results = makeResultsFixture();
  const runs = results.runs.map((run, index) => {
    const hostCpuPressure = run.variant === 'baseline' ? baseline[index]! : 0.7;
    const figures = { hostCpuPressure, containerCpuPressure: null, quotaShare: 1.02, samplerRate: 0.99 };
    return { ...run, contention: { ...figures, starvedBecause: starvedBecause(figures) } };
  });
  const variants = results.variants.map((v) => ({ ...v, conditions: conditionsOf(runs.filter((run) => run.variant === v.name)) }));
  return { ...results, runs, variants };
}

test('conditions: starved counts per variant, and how many deaths were starved', () => {
  const results = withPressure([0.97, 0.7, 0.95]);
  const table = conditionsTable(results.variants)!;
  const baseline = table.rows.find((row) => row[0] === 'baseline')!;
  assert.deepEqual(baseline.slice(1, 4), ['2/3', '3 (2 starved)', '0.95']);
  assert.deepEqual(table.rows.find((row) => row[0] === 'gomemlimit')!.slice(1, 3), ['0/3', '0']);
  assert.match(table.note, /0\.9/);
  assert.equal(runConditions(results.runs[0]!), 'starved: host CPU pressure 0.97 ≥ 0.9');
  assert.equal(runConditions(results.runs[1]!), 'pressure 0.70, quota 1.02');
  assert.equal(conditionsTable(makeResultsFixture().variants), null, 'no conditions recorded: no table');
});

test('the verdict says when its deaths came from starved repetitions, and when all of them did', () => {
  assert.match(buildReportModel(withPressure([0.97, 0.7, 0.95])).verdict, /; 2 of the 3 deaths came from starved repetitions\./);
  assert.match(buildReportModel(withPressure([0.97, 0.92, 0.95])).verdict, /; all 3 deaths came from starved repetitions, so rerun with --parallel 1 before blaming the service\./);
  assert.doesNotMatch(buildReportModel(withPressure([0.7, 0.7, 0.7])).verdict, /starved/);
});

test('the outcome-against-pressure chart plots every repetition that read the pressure, and is left out otherwise', async () => {
  assert.equal(pressureSpec(makeResultsFixture()), null);
  const results = withPressure([0.97, 0.7, 0.95]);
  const spec = pressureSpec(results) as unknown as { layer: { data: { values: { outcome?: string; starved?: string }[] } }[] };
  const points = spec.layer[0]!.data.values;
  assert.equal(points.length, 6);
  assert.equal(points.filter((p) => p.outcome === 'died' && p.starved === 'starved').length, 2);
  const svg = await renderSvg(pressureSpec(results)!);
  assert.ok(svg.includes(PRESSURE_TITLE));
});

test('harness faults are listed apart, with their cause, retried or left; none: no table', () => {
  const results = makeResultsFixture();
  assert.equal(harnessFaultTable(results), null);
  const left = { ...results.runs[3]!, survived: false, outcome: 'harness-fault' as const, cause: 'request 0 failed (timeout: x) while the service stayed up', attempt: 3 };
  const table = harnessFaultTable({ retried: [{ id: 'gomemlimit-1', variant: 'gomemlimit', attempt: 1, startedAt: '2026-12-06T06:00:00Z', cause: 'the lab failed: engine gone' }], runs: [left] })!;
  assert.deepEqual(table.rows, [
    ['gomemlimit-1', '1', 'the lab failed: engine gone', 'tried again'],
    ['gomemlimit-1', '3', 'request 0 failed (timeout: x) while the service stayed up', 'left as a fault: not counted'],
  ]);
});
