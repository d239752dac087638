import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fisherExact } from './fisher.js';

const close = (actual: number, expected: number, digits = 4) => assert.ok(Math.abs(actual - expected) < 10 ** -digits, `${actual} ≠ ${expected}`);

test("Fisher's exact test against published values (R's fisher.test, two-sided)", () => {
  close(fisherExact(3, 4, 1, 4), 0.4857); // Fisher's tea tasting: 3 of 4 against 1 of 4
  close(fisherExact(1, 12, 9, 12), 0.002759, 6); // Wikipedia's example, [[1, 9], [11, 3]]
  close(fisherExact(10, 10, 0, 10), 2 / 184756, 9); // all against none: 2 / C(20, 10)
  assert.equal(fisherExact(9, 10, 9, 10), 1);
  assert.equal(fisherExact(0, 10, 0, 10), 1);
  close(fisherExact(9, 10, 5, 10), 0.1409); // 9/10 against 5/10: not significant at 5%
  close(fisherExact(10, 10, 4, 10), 0.01084, 5);
});

test("Fisher's exact test refuses impossible counts", () => {
  assert.throws(() => fisherExact(11, 10, 0, 10), RangeError);
  assert.throws(() => fisherExact(-1, 10, 0, 10), RangeError);
});
