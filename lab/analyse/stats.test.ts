import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatRate, max, mean, median, min, quantile, wilsonInterval, zForConfidence } from './stats.js';

const close = (actual: number | null, expected: number, tol = 1e-4) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tol, `${actual} !≈ ${expected}`);

test('quantile matches numpy linear interpolation', () => {
  const xs = [3, 1, 4, 1, 5, 9, 2, 6]; // unsorted on purpose
  // sorted 1 1 2 3 4 5 6 9; h = 7q, e.g. q=.9: h=6.3 -> 6 + .3*(9-6) = 6.9 (numpy linear)
  close(quantile(xs, 0), 1);
  close(quantile(xs, 0.25), 1.75);
  close(quantile(xs, 0.5), 3.5);
  close(quantile(xs, 0.9), 6.9);
  close(quantile(xs, 1), 9);
  assert.deepEqual(xs, [3, 1, 4, 1, 5, 9, 2, 6], 'input not mutated');
  assert.equal(quantile([7], 0.3), 7);
  assert.equal(quantile([], 0.5), null);
  assert.throws(() => quantile([1], 1.5), RangeError);
});

test('median, mean, max, min', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  assert.equal(max([2, -1, 7]), 7);
  assert.equal(min([2, -1, 7]), -1);
  for (const f of [median, mean, max, min]) assert.equal(f([]), null);
  assert.equal(max(Array.from({ length: 300_000 }, (_, i) => i)), 299_999);
});

test('wilsonInterval known 95% values', () => {
  const cases: [number, number, number, number][] = [
    [0, 5, 0, 0.4345],
    [5, 5, 0.5655, 1],
    [8, 10, 0.4902, 0.9433],
    [1, 10, 0.0179, 0.4042],
    [50, 100, 0.4038, 0.5962],
  ];
  for (const [s, n, lo, hi] of cases) {
    const r = wilsonInterval(s, n);
    close(r.rate, s / n);
    close(r.low, lo);
    close(r.high, hi);
  }
  assert.deepEqual(wilsonInterval(0, 0), { rate: null, low: 0, high: 1 });
  assert.throws(() => wilsonInterval(6, 5), RangeError);
});

test('wilsonInterval other confidences', () => {
  close(zForConfidence(0.9), 1.6449);
  close(zForConfidence(0.99), 2.5758);
  close(zForConfidence(0.5), 0.6745); // not in the table: computed numerically
  // 8/10 at 99%: centre ± half with z = 2.5758
  const r = wilsonInterval(8, 10, 0.99);
  close(r.low, 0.4008);
  close(r.high, 0.9599);
  assert.ok(wilsonInterval(8, 10, 0.9).low > wilsonInterval(8, 10).low);
});

test('formatBytes uses binary units', () => {
  assert.equal(formatBytes(419430400), '400.0 MiB');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(2 * 1024 ** 3), '2.0 GiB');
  assert.equal(formatBytes(-1048576), '-1.0 MiB');
});

test('formatRate', () => {
  assert.equal(formatRate(4, 5), '4/5 (80%, 95% CI 38–96%)');
  assert.equal(formatRate(0, 5), '0/5 (0%, 95% CI 0–43%)');
  assert.equal(formatRate(0, 0), '0/0 (no trials)');
});
