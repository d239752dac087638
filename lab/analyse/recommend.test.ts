import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VariantSummary } from '../model/results.js';
import { rankVariants, recommendation, repsToSeparate, type VerdictContext } from './recommend.js';
import { wilsonInterval } from './stats.js';

const LIMIT = 400 * 2 ** 20;
const CONTEXT: VerdictContext = { repetitionSeconds: 6, parallel: 1, deaths: 0, starvedDeaths: 0, harnessFaults: 0, commonestKill: null };

function variant(name: string, survived: number, reps: number, peakMiB: number, p50Ms: number | null = 4000, over: Partial<VariantSummary> = {}): VariantSummary {
  return {
    name, description: '', axes: {}, memoryLimitBytes: LIMIT, env: {}, gomemlimitBytes: null, repetitions: reps, survivedRepetitions: survived,
    survival: wilsonInterval(survived, reps), slowedRepetitions: 0, slowing: wilsonInterval(0, reps), harnessFaults: 0, gcCpuShareMedian: null, throttledShareMedian: null,
    attempts: reps, successes: survived, oomKills: reps - survived, restarts: 0,
    peakMemoryBytes: peakMiB * 2 ** 20, peakMemoryMedianBytes: peakMiB * 2 ** 20, gcCycles: 0, gcCyclesMedian: 5,
    lastHeapGoalBeforeKillMB: null, gcCpuPercentMedian: null, latencyMs: { p50: p50Ms, p95: p50Ms }, errors: {}, go: null, conditions: null, ...over,
  };
}

test('rank: among the variants survival cannot tell apart, the cheapest first; the rest by survival evidence', () => {
  const ranked = rankVariants([variant('baseline', 0, 10, 400), variant('limit-100', 9, 10, 398, 6000), variant('limit-90', 10, 10, 392, 7000), variant('stream', 10, 10, 131, 3000), variant('gogc-50', 2, 10, 400, 3000)]);
  assert.deepEqual(ranked.map((r) => r.summary.name), ['stream', 'limit-100', 'limit-90', 'gogc-50', 'baseline']);
  assert.deepEqual(ranked.map((r) => r.contender), [true, true, true, false, false]);
  assert.equal(ranked[0]!.cost, 1);
  assert.ok(Math.abs(ranked[1]!.cost! - 2) < 1e-9, 'limit-100: p50 6.0 s against stream\'s 3.0 s');
});

test('the death spiral is never shipped: a slowed variant ranks after any contender that was not', () => {
  const spiral = variant('ratio-0.3', 10, 10, 250, 14_000, { slowedRepetitions: 9, gcCyclesMedian: 27, gcCpuShareMedian: 0.33 });
  const ranked = rankVariants([spiral, variant('ratio-0.9', 10, 10, 380, 5000, { gcCyclesMedian: 6 })]);
  assert.deepEqual(ranked.map((r) => [r.summary.name, r.slowed]), [['ratio-0.9', false], ['ratio-0.3', true]]);
  const onlySlowed = recommendation([variant('baseline', 0, 5, 400), spiral], CONTEXT);
  assert.match(onlySlowed, /^Only slowed variants survive reliably: ratio-0\.3 survived 10\/10/);
});

test('the verdict: what to ship and why, the runner-up, how sure, the next experiment; four sentences at most', () => {
  const text = recommendation([variant('baseline', 0, 10, 400), variant('gogc-50', 0, 10, 400), variant('limit-90', 10, 10, 392, 6000), variant('stream', 10, 10, 131, 3000)], CONTEXT);
  const sentences = text.split(/(?<=\.) (?=[A-Z])/);
  assert.ok(sentences.length <= 4, text);
  assert.match(sentences[0]!, /^Ship stream: survived 10\/10 \(100%, 95% CI 72–100%\), p50 3\.0 s, 5 GC cycles, median peak 131\.0 MiB, among the cheapest \(within 10%\) of the 2 variants whose survival cannot be told apart from the best's\.$/);
  assert.match(sentences[1]!, /^Runner-up: limit-90 \(10\/10 \(100%, 95% CI 72–100%\), cost ×2\.0\); baseline survived 0\/10 \(0%, 95% CI 0–28%\); 1 other is in the table\.$/);
  assert.match(sentences[2]!, /^With 10 repetitions its survival lies between 72% and 100% \(95%\)\.$/);
  assert.match(sentences[3]!, /^Next: stream and limit-90 survived alike, so more repetitions will not order them; their cost does\.$/);
  assert.equal(recommendation([variant('baseline', 0, 3, 400)], CONTEXT), 'No variant survived: none of baseline returned the body under this limit.');
});

test('the verdict says how sure: near the limit, starved deaths, harness faults left; and sizes the next run', () => {
  const near = recommendation([variant('baseline', 0, 5, 400), variant('gomemlimit', 4, 5, 397.9, 6000), variant('limit-90', 3, 5, 390, 7000)], { ...CONTEXT, deaths: 8, starvedDeaths: 8, harnessFaults: 1 });
  assert.match(near, /With 5 repetitions its survival lies between 38% and 96% \(95%\); it peaks within 2% of the limit, where repetitions still die at some rate; all 8 deaths came from starved repetitions, so rerun with --parallel 1 before blaming the service; 1 repetition stayed harness faults after retries and count nowhere\./);
  const reps = repsToSeparate(0.8, 0.6)!;
  assert.equal(reps, 82);
  assert.match(near, new RegExp(`Next: to tell gomemlimit from limit-90 apart at 80% power, run --variants gomemlimit,limit-90 --reps ${reps} \\(about 16 min here\\)\\.`));
});

test('repetitions to separate two rates: the textbook two-proportion figure, none for equal rates', () => {
  assert.equal(repsToSeparate(0.96, 0.7), 32); // Fleiss, no continuity correction: 31.6
  assert.equal(repsToSeparate(0.5, 0.5), null);
  assert.ok(repsToSeparate(0.97, 0.89)! > 150);
});

test('costs within 10% of the cheapest are a tie that survival breaks (the recorded spiral: 3/3 at 1.26 over 2/3 at 1.22)', () => {
  const ranked = rankVariants([variant('ratio-1.66', 2, 3, 398, 5800), variant('ratio-1.68', 3, 3, 398, 6100), variant('ratio-0.9', 3, 3, 390, 7000)]);
  assert.deepEqual(ranked.map((r) => r.summary.name), ['ratio-1.68', 'ratio-1.66', 'ratio-0.9']);
});

test('a best that survives under half the time is not called a fix to ship', () => {
  const text = recommendation([variant('baseline', 0, 5, 400), variant('gomemlimit', 1, 5, 400, 6400)], CONTEXT);
  assert.match(text, /^Nothing here survives reliably: the best, gomemlimit, survived 1\/5 \(20%, 95% CI 4–62%\), p50 6\.4 s, .*, so no fix tried can be shipped on this evidence\./);
});
