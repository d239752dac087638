import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeResultsFixture } from '../../test/fixtures/results-fixture.js';
import { renderComparison } from './compare.js';

test('compare puts two runs side by side, variant by variant, with changes', () => {
  const before = makeResultsFixture();
  const after = makeResultsFixture();
  after.variants = after.variants.map((variant) =>
    variant.name === 'gomemlimit' ? { ...variant, peakMemoryMedianBytes: (variant.peakMemoryMedianBytes ?? 0) * 0.9 } : variant,
  );
  after.variants.push({ ...after.variants[0]!, name: 'limit-90' });
  const table = renderComparison(before, after, ['old', 'new']);
  assert.match(table, /# Comparison: old → new/);
  assert.match(table, /\| baseline \| 0\/3 \(0%, 95% CI 0–56%\) \| 0\/3 \(0%, 95% CI 0–56%\) \| 3 → 3 \|/);
  assert.match(table, /\| gomemlimit \|.*\(-10\.0%\)/);
  assert.match(table, /\| limit-90 \| — \| 0\/3/);
});
