import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { parseExpectations, type Baseline } from './expectations.js';
import { cutoffAt, planGate, planOf, repetitionsNeeded } from './plan.js';
import { binomialCdf } from './power.js';

const FILE = path.join('/tmp', 'expectations', 'regress.yaml');
const EXPECTATIONS = parseExpectations(
  `scenario: regress
go: "1.26.8"
falseAlarm: 0.01
power: 0.9
expectations:
  - variant: baseline
    oomKilledRate: { measured: 1.0, detect: 0.8 }
  - variant: limit-90
    survivalRate: { measured: 0.96, detect: 0.70 }
  - variant: limit-90
    slowedRate: { measured: 0.02, detect: 0.30 }
  - variant: limit-90
    peakMemoryMedian: { againstStored: true }
`,
  FILE,
);

test('the plan: limit-90 falling from 96% to 70% takes 21 repetitions and fails at <= 17, by exact binomial sums', () => {
  const survival = EXPECTATIONS.expectations[1]!;
  assert.ok(survival.measure === 'survivalRate' && 'measured' in survival.bound);
  const plan = planOf(survival.bound, EXPECTATIONS);
  assert.deepEqual([plan.n, plan.cutoff, plan.direction], [21, 17, 'drop']);
  assert.equal(plan.falseAlarmRate, binomialCdf(17, 21, 0.96));
  assert.equal(plan.detectionRate, binomialCdf(17, 21, 0.7));
  // At the planned n the run's cut-off is the plan's; with more repetitions it rises and gains power.
  assert.deepEqual(cutoffAt(21, survival.bound, 0.01), plan);
  const more = cutoffAt(30, survival.bound, 0.01);
  assert.ok(more.cutoff > 17 && more.falseAlarmRate <= 0.01 && more.detectionRate > plan.detectionRate);
  // Too few repetitions can never fail within 1% false alarms: the check says so rather than failing at chance.
  assert.equal(cutoffAt(1, survival.bound, 0.01).cutoff, -1);
});

test('a rise (slowing) fails at or above its cut-off; every variant runs the largest need', () => {
  const slowed = EXPECTATIONS.expectations[2]!;
  assert.ok(slowed.measure === 'slowedRate' && 'measured' in slowed.bound);
  const plan = cutoffAt(21, slowed.bound, 0.01);
  assert.equal(plan.direction, 'rise');
  assert.ok(1 - binomialCdf(plan.cutoff - 1, 21, 0.02) <= 0.01 && 1 - binomialCdf(plan.cutoff - 2, 21, 0.02) > 0.01);
  assert.equal(repetitionsNeeded(EXPECTATIONS), 21);
  const gate = planGate(EXPECTATIONS, null, 'docker', ['baseline', 'limit-90']);
  assert.deepEqual([gate.perVariant, gate.total, gate.expectedSeconds], [21, 42, null]);
  assert.deepEqual(gate.rows.map((row) => [row.variant, row.needs, row.repetitions, row.failsAt]), [
    ['baseline', 11, 21, '<= 20 of 21'], // measured at 100%: a single survivor is already the change
    ['limit-90', 21, 21, '<= 17 of 21'],
    ['limit-90', 16, 21, `>= ${plan.cutoff} of 21`],
    ['limit-90', null, 21, 'skipped until recorded'],
  ]);
});

test('the peak band and the expected time come from the stored runs of this runtime', () => {
  const peaks = Array.from({ length: 40 }, (_, i) => (390 + (i % 8) * 0.5) * 2 ** 20);
  const baseline: Baseline = { docker: { 'limit-90': { peakMemoryMedianBytes: 392 * 2 ** 20, peaks, repetitionSeconds: 6, parallel: 4 } } };
  const gate = planGate(EXPECTATIONS, baseline, 'docker', ['baseline', 'limit-90']);
  assert.equal(gate.expectedSeconds, Math.ceil(42 / 4) * 6);
  const peak = gate.rows[3]!;
  assert.match(peak.failsAt, /^outside 39\d\.\d–39\d\.\d MiB$/);
  assert.match(peak.falseAlarm, /^1%$/);
});
