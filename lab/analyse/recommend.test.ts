import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VariantSummary } from '../model/results.js';
import { rankVariants, recommendation } from './recommend.js';
import { wilsonInterval } from './stats.js';

const LIMIT = 400 * 2 ** 20;

function variant(name: string, survived: number, reps: number, peakMiB: number, p50Ms: number | null = 4000): VariantSummary {
  return {
    name, description: '', axes: {}, memoryLimitBytes: LIMIT, env: {}, gomemlimitBytes: null, repetitions: reps, survivedRepetitions: survived,
    survival: wilsonInterval(survived, reps), thrashedRepetitions: 0, thrashing: wilsonInterval(0, reps), gcCpuShareMedian: null, throttledShareMedian: null, attempts: reps, successes: survived, oomKills: reps - survived, restarts: 0,
    peakMemoryBytes: peakMiB * 2 ** 20, peakMemoryMedianBytes: peakMiB * 2 ** 20, gcCycles: 0, gcCyclesMedian: 5,
    lastHeapGoalBeforeKillMB: null, gcCpuPercentMedian: null, latencyMs: { p50: p50Ms, p95: p50Ms }, errors: {}, go: null, conditions: null,
  };
}

test('rank: survival evidence first, then headroom, then latency', () => {
  const ranked = rankVariants([variant('baseline', 0, 10, 400), variant('limit-100', 9, 10, 398), variant('limit-90', 10, 10, 392), variant('stream', 10, 10, 131)]);
  assert.deepEqual(ranked.map((r) => r.summary.name), ['stream', 'limit-90', 'limit-100', 'baseline']);
  assert.ok(Math.abs(ranked[0]!.headroom! - (400 - 131) / 400) < 1e-9);
});

test('recommendation: names the fix with its evidence, flags what cannot be told apart, and what did not help', () => {
  const text = recommendation([variant('baseline', 0, 10, 400), variant('gogc-50', 0, 10, 400), variant('limit-90', 10, 10, 392), variant('stream', 10, 10, 131, 3000)]);
  assert.match(text, /^Ship stream: survived 10\/10 \(100%, 95% CI 72–100%\), median peak 131\.0 MiB \(67\.3% headroom\), p50 3\.0 s\./);
  assert.match(text, /Also survived every repetition: limit-90 \(10\/10/);
  assert.match(text, /Its survival interval overlaps those of limit-90, but they peak within 2% of the limit/);
  const tie = recommendation([variant('limit-90', 10, 10, 392), variant('stream', 9, 10, 393)]);
  assert.match(tie, /Survival and headroom cannot separate it from stream \(overlapping 95% intervals\)/);
  assert.match(text, /For comparison, baseline survived 0\/10 \(0%, 95% CI 0–28%\) with 10 OOM kills\./);
  assert.match(text, /Did not help here: gogc-50/);
  // Within 2% of the limit the verdict says so in the same sentence, with the death rate the repetitions allow.
  const near = recommendation([variant('baseline', 0, 2, 400), variant('gomemlimit', 2, 2, 397.9)]);
  assert.match(near, /^Ship gomemlimit: survived 2\/2 \(100%, 95% CI 34–100%\), median peak 397\.9 MiB \(0\.5% headroom\), p50 4\.0 s, but it peaks within 2% of the limit, where repetitions still die at some rate: these 2 leave up to 66% deaths possible \(95% CI\)\./);
  assert.doesNotMatch(text, /peaks within 2% of the limit, where/);
  assert.equal(recommendation([variant('baseline', 0, 3, 400)]), 'No variant survived: none of baseline returned the body under this limit.');
});

test('recommendation: a variant that thrashed is never named to ship without saying so', () => {
  const limping = { ...variant('limit-60', 10, 10, 300), thrashedRepetitions: 7, thrashing: wilsonInterval(7, 10) };
  const text = recommendation([variant('baseline', 0, 10, 400), limping]);
  assert.match(text, /^Ship limit-60: survived 10\/10 .*, p50 4\.0 s; it thrashed in 7\/10 \(70%[^)]*\) \(the GC took at least 40% of the CPU, or its limiter was on\): it survives by slowing down\./);
  assert.doesNotMatch(recommendation([variant('baseline', 0, 10, 400), variant('limit-90', 10, 10, 300)]), /thrashed/);
});
