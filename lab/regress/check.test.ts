import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { makeResultsFixture } from '../../test/fixtures/results-fixture.js';
import { wilsonInterval } from '../analyse/stats.js';
import { UsageError } from '../errors.js';
import type { Results } from '../model/results.js';
import { checkExpectations, goMismatch, regressSummary, RUN_CHECK_VARIANT, updatedBaseline, type Check } from './check.js';
import { parseExpectations, type Baseline, type Expectations } from './expectations.js';

const EXPECTATIONS_FILE = path.join('/tmp', 'expectations', 'regress.yaml');
const EXPECTATIONS = parseExpectations(
  `scenario: regress
baselineFile: regress.baseline.json
expectations:
  - variant: baseline
    oomKilledRate: { atLeast: 0.9 }
  - variant: limit-90
    survivalRate: { atLeast: 0.95 }
  - variant: limit-90
    peakMemoryMedian: { withinPercent: 10 }
`,
  EXPECTATIONS_FILE,
);

/** The seed fixture as a kind run of `regress`: its gomemlimit variant becomes limit-90. */
function regressResults(): Results {
  const rename = (name: string) => (name === 'gomemlimit' ? 'limit-90' : name);
  const results = makeResultsFixture({ scenario: 'regress', runtime: 'kind', runId: '20261129-030000-regress' });
  results.variants = results.variants.map((v) => ({ ...v, name: rename(v.name), base: rename(v.base ?? v.name) }));
  results.runs = results.runs.map((run) => ({ ...run, variant: rename(run.variant) }));
  return results;
}

const peakOf = (results: Results, variant: string): number => results.variants.find((v) => v.name === variant)!.peakMemoryMedianBytes!;

/** A stored kind baseline that puts limit-90's measured peak `deviation` (e.g. 0.05 = 5%) above it. */
function baselineFor(results: Results, deviation = 0): Baseline {
  return { kind: { 'limit-90': { peakMemoryMedianBytes: peakOf(results, 'limit-90') / (1 + deviation) } } };
}

const byName = (checks: Check[], variant: string, prefix: string): Check => {
  const found = checks.find((c) => c.variant === variant && c.name.startsWith(prefix));
  assert.ok(found, `a ${prefix} check for ${variant} in ${JSON.stringify(checks.map((c) => `${c.variant} ${c.name}`))}`);
  return found;
};

test('a healthy run passes every check, with one-line reasons', () => {
  const results = regressResults();
  const outcome = checkExpectations(results, EXPECTATIONS, baselineFor(results, 0.02));
  assert.equal(outcome.passed, true, JSON.stringify(outcome.checks, null, 2));
  assert.deepEqual(
    outcome.checks.map((c) => [c.variant, c.name, c.passed, c.skipped]),
    [
      [RUN_CHECK_VARIANT, 'run complete', true, false],
      ['baseline', 'oomKilledRate >= 90%', true, false],
      ['limit-90', 'survivalRate >= 95%', true, false],
      ['limit-90', 'peakMemoryMedian within 10%', true, false],
    ],
  );
  assert.equal(outcome.checks[1]!.reason, 'baseline: OOM-kill rate 100% (3/3, 95% CI 44–100%) meets the expected >= 90%');
  assert.equal(outcome.checks[2]!.reason, 'limit-90: survival 100% (3/3, 95% CI 44–100%) meets the expected >= 95%');
  assert.match(outcome.checks[3]!.reason, /^limit-90: peak memory median \d+\.\d MiB is within 10% of the baseline \d+\.\d MiB \(\+2\.0%\)$/);
  for (const check of outcome.checks) assert.doesNotMatch(check.reason, /\n/);
  assert.equal(outcome.checks[2]!.measured, 1);
  assert.deepEqual(outcome.checks[2]!.expected, { atLeast: 0.95 });
});

test('limit-90 survival dropping to 2/5 fails with the exact reason', () => {
  const results = regressResults();
  results.variants = results.variants.map((v) => (v.name === 'limit-90' ? { ...v, repetitions: 5, survivedRepetitions: 2, survival: wilsonInterval(2, 5) } : v));
  const outcome = checkExpectations(results, EXPECTATIONS, baselineFor(results));
  assert.equal(outcome.passed, false);
  const survival = byName(outcome.checks, 'limit-90', 'survivalRate');
  assert.equal(survival.passed, false);
  assert.equal(survival.skipped, false);
  assert.equal(survival.measured, 0.4);
  assert.equal(survival.reason, 'limit-90: survival 40% (2/5, 95% CI 12–77%) is below the expected 95%');
  // The other checks still pass: only the one that broke is reported as broken.
  assert.deepEqual(outcome.checks.filter((c) => !c.passed).map((c) => c.name), ['survivalRate >= 95%']);
});

test('the OOM-kill rate counts repetitions with at least one kill, from the runs', () => {
  const results = regressResults();
  let spared = 0;
  results.runs = results.runs.map((run) => (run.variant === 'baseline' && spared++ === 0 ? { ...run, oomKills: 0, survived: true, outcome: 'survived' as const } : run));
  const check = byName(checkExpectations(results, EXPECTATIONS, null).checks, 'baseline', 'oomKilledRate');
  assert.equal(check.passed, false);
  assert.equal(check.reason, 'baseline: OOM-kill rate 66.7% (2/3, 95% CI 21–94%) is below the expected 90%');
});

test('atMost bounds fail above the maximum', () => {
  const results = regressResults();
  const expectations = parseExpectations('scenario: regress\nexpectations:\n  - variant: limit-90\n    oomKilledRate: { atMost: 0 }\n  - variant: baseline\n    survivalRate: { atMost: 0.1 }\n', EXPECTATIONS_FILE);
  results.runs = results.runs.map((run) => (run.variant === 'limit-90' && run.rep === 1 ? { ...run, oomKills: 2, survived: false, outcome: 'oom-killed' as const } : run));
  const outcome = checkExpectations(results, expectations, null);
  assert.equal(outcome.checks[1]!.reason, 'limit-90: OOM-kill rate 33.3% (1/3, 95% CI 6–79%) is above the expected maximum 0%');
  assert.equal(outcome.checks[2]!.passed, true);
  assert.equal(outcome.checks[2]!.reason, 'baseline: survival 0% (0/3, 95% CI 0–56%) meets the expected <= 10%');
});

test('no stored baseline for the runtime or variant skips the peak check, telling how to record one', () => {
  const results = regressResults();
  const baselines: (Baseline | null)[] = [null, { docker: { 'limit-90': { peakMemoryMedianBytes: 1 } } }, { kind: { baseline: { peakMemoryMedianBytes: 1 } } }];
  for (const baseline of baselines) {
    const outcome = checkExpectations(results, EXPECTATIONS, baseline);
    const peak = byName(outcome.checks, 'limit-90', 'peakMemoryMedian');
    assert.equal(peak.skipped, true);
    assert.equal(peak.passed, false);
    assert.equal(peak.reason, 'limit-90: no stored peak-memory baseline for runtime kind in regress.baseline.json; record one with `npm run lab -- regress --update-baseline`');
    assert.equal(outcome.passed, true, 'a skipped check does not fail the run');
    assert.deepEqual(regressSummary(results, outcome).counts, { checks: 4, passed: 3, failed: 0, skipped: 1 });
  }
});

test('a peak median outside the tolerance fails, inside (and at the edge) passes', () => {
  const results = regressResults();
  const above = byName(checkExpectations(results, EXPECTATIONS, baselineFor(results, 0.25)).checks, 'limit-90', 'peakMemoryMedian');
  assert.equal(above.passed, false);
  assert.match(above.reason, /^limit-90: peak memory median \d+\.\d MiB is 25\.0% above the baseline \d+\.\d MiB \(allowed ±10%\)$/);
  assert.equal(above.expected && 'baselineBytes' in above.expected ? above.expected.baselineBytes : null, peakOf(results, 'limit-90') / 1.25);

  const below = byName(checkExpectations(results, EXPECTATIONS, { kind: { 'limit-90': { peakMemoryMedianBytes: peakOf(results, 'limit-90') * 1.2 } } }).checks, 'limit-90', 'peakMemoryMedian');
  assert.equal(below.passed, false);
  assert.match(below.reason, /is 16\.7% below the baseline/);

  // Exactly 10% above: floating point must not turn the boundary into a failure.
  const edge = { kind: { 'limit-90': { peakMemoryMedianBytes: 100 } } };
  const atEdge = structuredClone(results);
  atEdge.variants = atEdge.variants.map((v) => (v.name === 'limit-90' ? { ...v, peakMemoryMedianBytes: 110 } : v));
  assert.equal(byName(checkExpectations(atEdge, EXPECTATIONS, edge).checks, 'limit-90', 'peakMemoryMedian').passed, true);
  atEdge.variants = atEdge.variants.map((v) => (v.name === 'limit-90' ? { ...v, peakMemoryMedianBytes: 110.01 } : v));
  assert.equal(byName(checkExpectations(atEdge, EXPECTATIONS, edge).checks, 'limit-90', 'peakMemoryMedian').passed, false);
});

test('a missing peak fails on kind and docker and is skipped on existing', () => {
  const results = regressResults();
  results.variants = results.variants.map((v) => ({ ...v, peakMemoryMedianBytes: null }));
  const onKind = byName(checkExpectations(results, EXPECTATIONS, baselineFor(regressResults())).checks, 'limit-90', 'peakMemoryMedian');
  assert.deepEqual([onKind.passed, onKind.skipped, onKind.reason], [false, false, 'limit-90: no peak memory was measured on runtime kind']);
  const onExisting = byName(checkExpectations({ ...results, runtime: 'existing' }, EXPECTATIONS, null).checks, 'limit-90', 'peakMemoryMedian');
  assert.deepEqual([onExisting.passed, onExisting.skipped], [false, true]);
});

test('a variant missing from the results is a failed check with a reason, not a crash', () => {
  const results = regressResults();
  results.variants = results.variants.filter((v) => v.name !== 'limit-90');
  results.runs = results.runs.filter((run) => run.variant !== 'limit-90');
  const outcome = checkExpectations(results, EXPECTATIONS, baselineFor(regressResults()));
  assert.equal(outcome.passed, false);
  const missing = outcome.checks.filter((c) => c.variant === 'limit-90');
  assert.equal(missing.length, 2);
  for (const check of missing) {
    assert.deepEqual([check.passed, check.skipped, check.measured], [false, false, null]);
    assert.equal(check.reason, 'limit-90: variant not in the results (they have baseline)');
  }
});

test('an incomplete run fails the run check; results of another scenario are a usage error', () => {
  const results = { ...regressResults(), complete: false, incompleteReason: 'interrupted by SIGINT' };
  const outcome = checkExpectations(results, EXPECTATIONS, baselineFor(results));
  assert.equal(outcome.passed, false);
  assert.equal(outcome.checks[0]!.reason, 'run 20261129-030000-regress is incomplete: interrupted by SIGINT');
  assert.throws(() => checkExpectations(makeResultsFixture(), EXPECTATIONS, null), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /checks scenario "regress", but the results are of "seed"/);
    return true;
  });
});

test('an empty variant (no repetitions) fails rather than dividing by zero', () => {
  const results = regressResults();
  results.variants = results.variants.map((v) => (v.name === 'limit-90' ? { ...v, repetitions: 0, survivedRepetitions: 0, survival: wilsonInterval(0, 0) } : v));
  const check = byName(checkExpectations(results, EXPECTATIONS, null).checks, 'limit-90', 'survivalRate');
  assert.deepEqual([check.passed, check.measured, check.reason], [false, null, 'limit-90: no repetitions recorded, so no survival to check']);
});

test('updatedBaseline stores per runtime and variant, keeping other runtimes', () => {
  const results = regressResults();
  const previous: Baseline = { docker: { 'limit-90': { peakMemoryMedianBytes: 5 } }, kind: { gone: { peakMemoryMedianBytes: 7 } } };
  const next = updatedBaseline(previous, results);
  assert.deepEqual(Object.keys(next).sort(), ['docker', 'kind']);
  assert.deepEqual(next.docker, previous.docker);
  const peaks = results.runs.filter((run) => run.variant === 'limit-90').map((run) => run.memory.peakBytes);
  assert.deepEqual(next.kind!['limit-90'], { peakMemoryMedianBytes: peakOf(results, 'limit-90'), runId: results.runId, peaks, go: 'go1.26.8', repetitionSeconds: results.environment.timings.repetitionMedianSeconds, parallel: 1 });
  // Peaks accumulate over recorded runs, the newest last.
  assert.deepEqual(updatedBaseline(next, results).kind!['limit-90']!.peaks, [...peaks, ...peaks]);
  assert.equal(next.kind!.baseline!.peakMemoryMedianBytes, peakOf(results, 'baseline'));
  assert.deepEqual(next.kind!.gone, { peakMemoryMedianBytes: 7 });
  assert.deepEqual(previous.kind, { gone: { peakMemoryMedianBytes: 7 } }, 'the previous baseline is not mutated');
  // The fresh baseline makes the peak check pass at +0.0%.
  const outcome = checkExpectations(results, EXPECTATIONS, updatedBaseline(null, results));
  assert.match(byName(outcome.checks, 'limit-90', 'peakMemoryMedian').reason, /\(\+0\.0%\)$/);
  assert.throws(() => updatedBaseline(null, { ...results, complete: false }), UsageError);
});

test('the summary carries scenario, runtime, runId, counts, checks and per-variant survival', () => {
  const results = regressResults();
  results.variants = results.variants.map((v) => (v.name === 'limit-90' ? { ...v, repetitions: 5, survivedRepetitions: 2, survival: wilsonInterval(2, 5) } : v));
  const outcome = checkExpectations(results, EXPECTATIONS, null);
  const summary = regressSummary(results, outcome);
  assert.equal(summary.scenario, 'regress');
  assert.equal(summary.runtime, 'kind');
  assert.equal(summary.runId, '20261129-030000-regress');
  assert.equal(summary.passed, false);
  assert.deepEqual(summary.counts, { checks: 4, passed: 2, failed: 1, skipped: 1 });
  assert.equal(summary.checks, outcome.checks);
  assert.deepEqual(
    summary.variants.map((v) => [v.name, v.survivedRepetitions, v.repetitions, v.oomKilledRepetitions]),
    [
      ['baseline', 0, 3, 3],
      ['limit-90', 2, 5, 0],
    ],
  );
  assert.equal(summary.variants[1]!.survival.rate, 0.4);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(summary)));
});

// Keep the shared fixture's expectations object honest: parse resolves the baseline beside the file.
test('the test expectations resolve their baseline file beside the YAML', () => {
  const expectations: Expectations = EXPECTATIONS;
  assert.equal(expectations.baselineFile, path.join('/tmp', 'expectations', 'regress.baseline.json'));
});

test('by interval: one unlucky kill in 5 passes, a run that is evidence of a regression fails', () => {
  const expectations = parseExpectations(
    `scenario: regress
expectations:
  - variant: limit-90
    survivalRate: { atLeast: 0.95, by: interval }
  - variant: baseline
    oomKilledRate: { atLeast: 0.9, by: interval }
`,
    EXPECTATIONS_FILE,
  );
  const withSurvivors = (survived: number, reps = 5) => {
    const results = regressResults();
    results.variants = results.variants.map((v) => (v.name === 'limit-90' ? { ...v, repetitions: reps, survivedRepetitions: survived, survival: wilsonInterval(survived, reps) } : v));
    return checkExpectations(results, expectations, null);
  };
  const fourOfFive = byName(withSurvivors(4).checks, 'limit-90', 'survivalRate');
  assert.equal(fourOfFive.passed, true, fourOfFive.reason);
  assert.equal(fourOfFive.name, 'survivalRate >= 95% (within the 95% interval)');
  const threeOfFive = byName(withSurvivors(3).checks, 'limit-90', 'survivalRate');
  assert.equal(threeOfFive.passed, false);
  assert.equal(threeOfFive.reason, 'limit-90: survival 60% (3/5, 95% CI 23–88%) is below the expected 95% even at the top of its interval');
  assert.equal(byName(withSurvivors(0, 2).checks, 'limit-90', 'survivalRate').passed, false);
});

test('slowedRate: limit-90 surviving slowed fails the check; runs without per-request metrics are not counted', () => {
  const expectations = parseExpectations('scenario: regress\nexpectations:\n  - variant: limit-90\n    slowedRate: { atMost: 0 }\n', EXPECTATIONS_FILE);
  const results = regressResults();
  const limping = { ...results, runs: results.runs.map((run) => (run.variant === 'limit-90' ? { ...run, outcome: run.rep === 1 ? ('slowed' as const) : ('survived' as const), gcCpuShareMax: run.rep === 1 ? 0.55 : 0.12 } : run)) };
  const failed = byName(checkExpectations(limping, expectations, null).checks, 'limit-90', 'slowedRate');
  assert.equal(failed.passed, false);
  assert.match(failed.reason, /^limit-90: slowed rate 33\.3% \(1\/3, 95% CI \d+–\d+%\) is above the expected maximum 0%$/);
  const calm = { ...results, runs: results.runs.map((run) => (run.variant === 'limit-90' ? { ...run, outcome: 'survived' as const, gcCpuShareMax: 0.12 } : run)) };
  assert.equal(byName(checkExpectations(calm, expectations, null).checks, 'limit-90', 'slowedRate').passed, true);
  // The fixture's runs carry no GC share (a sample from before the metrics line): nothing to measure.
  assert.match(byName(checkExpectations(results, expectations, null).checks, 'limit-90', 'slowedRate').reason, /^limit-90: no repetitions with request metrics, so no slowed rate to check$/);
});

test('the gate judges only runs on the Go its expectations were measured on', () => {
  const measured = parseExpectations(`scenario: regress\ngo: "1.26.8"\nexpectations:\n  - variant: baseline\n    oomKilledRate: { atLeast: 0.9 }\n`, EXPECTATIONS_FILE);
  assert.equal(measured.go, '1.26.8');
  const results = regressResults(); // the fixture's samples were built with go1.26.8
  assert.equal(goMismatch(results, measured), null);
  for (const v of results.variants) v.go = { ...v.go!, version: 'go1.27.3', requested: '1.27.3' };
  assert.match(goMismatch(results, measured)!, /^the sample was built with go1\.27\.3, but .*regress\.yaml was measured on go1\.26\.8/);
  assert.equal(goMismatch(results, EXPECTATIONS), null, 'expectations that name no Go judge any run');
  assert.throws(() => parseExpectations(`scenario: regress\ngo: "1.x"\nexpectations:\n  - variant: b\n    oomKilledRate: { atLeast: 0.9 }\n`, EXPECTATIONS_FILE), UsageError);
});

test('a planned rate is judged at the exact cut-off for the run\'s repetitions, both ways', () => {
  const planned = parseExpectations(`scenario: regress\nexpectations:\n  - variant: limit-90\n    survivalRate: { measured: 0.96, detect: 0.70 }\n`, EXPECTATIONS_FILE);
  const results = regressResults(); // limit-90: 3/3 survived
  const [, survival] = checkExpectations(results, planned, null).checks;
  assert.equal(survival!.passed, true);
  assert.match(survival!.reason, /^limit-90: survival 3\/3 holds \(fails at <= 1 of 3: 0\.5% of nights at 96%, 21\.6% at 70%\)$/);
  // Two of three killed: one survivor is at the cut-off.
  for (const run of results.runs.filter((r) => r.variant === 'limit-90').slice(0, 2)) run.survived = false;
  const v = results.variants.find((x) => x.name === 'limit-90')!;
  v.survivedRepetitions = 1;
  const failed = checkExpectations(results, planned, null).checks[1]!;
  assert.equal(failed.passed, false);
  assert.match(failed.reason, /survival 1\/3 is the change the gate catches/);
  assert.throws(() => parseExpectations(`scenario: regress\nexpectations:\n  - variant: x\n    survivalRate: { measured: 0.9, detect: 0.9 }\n`, EXPECTATIONS_FILE), UsageError);
  assert.throws(() => parseExpectations(`scenario: regress\nexpectations:\n  - variant: x\n    survivalRate: { measured: 0.9, detetc: 0.7 }\n`, EXPECTATIONS_FILE), (e: unknown) => e instanceof UsageError && /detetc|detect/.test(e.message));
});

test('the stored-peaks band fails a run whose median peak moved either way, and is skipped until peaks are stored', () => {
  const banded = parseExpectations(`scenario: regress\nexpectations:\n  - variant: limit-90\n    peakMemoryMedian: { againstStored: true }\n`, EXPECTATIONS_FILE);
  const results = regressResults();
  const median = peakOf(results, 'limit-90');
  const stored = (centre: number): Baseline => ({ kind: { 'limit-90': { peakMemoryMedianBytes: centre, peaks: Array.from({ length: 40 }, (_, i) => centre * (1 + ((i % 9) - 4) / 1000)) } } });
  assert.equal(checkExpectations(results, banded, stored(median)).checks[1]!.passed, true);
  assert.equal(checkExpectations(results, banded, stored(median * 1.05)).checks[1]!.passed, false); // stored higher: the run's is below
  assert.match(checkExpectations(results, banded, stored(median * 0.95)).checks[1]!.reason, /is above the band/);
  const none = checkExpectations(results, banded, null).checks[1]!;
  assert.deepEqual([none.passed, none.skipped], [false, true]);
  assert.match(none.reason, /0 stored peaks .*record them with/);
});
