// Checks a run's results against a scenario's expectations. Pure: no I/O, no clock.
import { goReleases } from '../report/go-line.js';
import path from 'node:path';
import { formatBytes, wilsonInterval } from '../analyse/stats.js';
import { UsageError } from '../errors.js';
import type { Results } from '../model/results.js';
import type { Baseline, Expectation, Expectations, RateBound } from './expectations.js';

/** What a check compared against: a rate bound, a peak tolerance around the stored value, or run completeness. */
export type Expected = RateBound | { withinPercent: number; baselineBytes: number | null } | { complete: true };

export interface Check {
  /** Stable within a scenario, e.g. "survivalRate >= 95%"; the JUnit test case name. */
  name: string;
  /** The variant checked; RUN_CHECK_VARIANT for the run-level check. */
  variant: string;
  /** True only when the check ran and held. A skipped check has passed: false and skipped: true. */
  passed: boolean;
  skipped: boolean;
  /** One line, e.g. "limit-90: survival 40% (2/5, 95% CI 12–77%) is below the expected 95%". */
  reason: string;
  /** A rate in [0, 1], bytes for peak memory, 1/0 for completeness; null when there was nothing to measure. */
  measured: number | null;
  expected: Expected;
}

export interface CheckOutcome {
  /** No check failed (skipped checks do not fail the run). */
  passed: boolean;
  checks: Check[];
}

/** The variant name of the one run-level check ("run complete"), which comes first. */
export const RUN_CHECK_VARIANT = '(run)';

export const UPDATE_BASELINE_COMMAND = 'npm run lab -- regress --update-baseline';

/** Shares as percentages with at most one decimal: 0.95 -> "95%", 2/3 -> "66.7%". */
const pct = (share: number): string => `${Number((share * 100).toFixed(1))}%`;
/** Interval bounds rounded as formatRate rounds them. */
const ciPct = (share: number): number => Math.round(share * 100);

function boundText(bound: RateBound): string {
  const by = bound.by === 'interval' ? ' (within the 95% interval)' : '';
  if (bound.atLeast !== undefined && bound.atMost !== undefined) return `${pct(bound.atLeast)}–${pct(bound.atMost)}${by}`;
  if (bound.atLeast !== undefined) return `>= ${pct(bound.atLeast)}${by}`;
  return `<= ${pct(bound.atMost!)}${by}`;
}

export function checkName(expectation: Expectation): string {
  if (expectation.measure === 'peakMemoryMedian') return `peakMemoryMedian within ${expectation.bound.withinPercent}%`;
  return `${expectation.measure} ${boundText(expectation.bound)}`;
}

/** `trialsAre` names what was counted, for the message when there is none of it. */
function rateCheck(name: string, variant: string, label: string, hits: number, trials: number, bound: RateBound, trialsAre = 'repetitions recorded'): Check {
  const base = { name, variant, expected: { ...bound } };
  if (trials === 0) return { ...base, passed: false, skipped: false, measured: null, reason: `${variant}: no ${trialsAre}, so no ${label} to check` };
  const { low, high } = wilsonInterval(hits, trials);
  const rate = hits / trials;
  const measuredText = `${label} ${pct(rate)} (${hits}/${trials}, 95% CI ${ciPct(low)}–${ciPct(high)}%)`;
  // By interval, the most favourable end of the interval is what must miss the bound.
  const byInterval = bound.by === 'interval';
  const [forMinimum, forMaximum] = byInterval ? [high, low] : [rate, rate];
  const even = (end: number) => (byInterval ? ` even at the ${end === high ? 'top' : 'bottom'} of its interval` : '');
  let reason: string;
  let passed = true;
  if (bound.atLeast !== undefined && forMinimum < bound.atLeast) {
    passed = false;
    reason = `${variant}: ${measuredText} is below the expected ${pct(bound.atLeast)}${even(high)}`;
  } else if (bound.atMost !== undefined && forMaximum > bound.atMost) {
    passed = false;
    reason = `${variant}: ${measuredText} is above the expected maximum ${pct(bound.atMost)}${even(low)}`;
  } else {
    reason = `${variant}: ${measuredText} meets the expected ${boundText(bound)}`;
  }
  return { ...base, passed, skipped: false, measured: rate, reason };
}

// |deviation| <= withinPercent passes; the slack absorbs floating-point error at the exact boundary.
const PERCENT_SLACK = 1e-9;

function peakCheck(name: string, variant: string, results: Results, withinPercent: number, baseline: Baseline | null, baselineFile: string): Check {
  const measured = results.variants.find((v) => v.name === variant)?.peakMemoryMedianBytes ?? null;
  const stored = baseline?.[results.runtime]?.[variant]?.peakMemoryMedianBytes ?? null;
  const base = { name, variant, measured, expected: { withinPercent, baselineBytes: stored } };
  if (measured === null) {
    // The existing runtime cannot sample memory (the nodes are elsewhere); elsewhere a missing peak is a fault.
    const skipped = results.runtime === 'existing';
    return { ...base, passed: false, skipped, reason: `${variant}: no peak memory was measured on runtime ${results.runtime}` };
  }
  if (stored === null) {
    return {
      ...base,
      passed: false,
      skipped: true,
      reason: `${variant}: no stored peak-memory baseline for runtime ${results.runtime} in ${path.basename(baselineFile)}; record one with \`${UPDATE_BASELINE_COMMAND}\``,
    };
  }
  const deviation = ((measured - stored) / stored) * 100;
  const signed = `${deviation >= 0 ? '+' : '-'}${Math.abs(deviation).toFixed(1)}%`;
  const text = `peak memory median ${formatBytes(measured)}`;
  if (Math.abs(deviation) <= withinPercent + PERCENT_SLACK) {
    return { ...base, passed: true, skipped: false, reason: `${variant}: ${text} is within ${withinPercent}% of the baseline ${formatBytes(stored)} (${signed})` };
  }
  const direction = deviation > 0 ? 'above' : 'below';
  return {
    ...base,
    passed: false,
    skipped: false,
    reason: `${variant}: ${text} is ${Math.abs(deviation).toFixed(1)}% ${direction} the baseline ${formatBytes(stored)} (allowed ±${withinPercent}%)`,
  };
}

function completeCheck(results: Results): Check {
  const base = { name: 'run complete', variant: RUN_CHECK_VARIANT, expected: { complete: true as const } };
  if (results.complete) return { ...base, passed: true, skipped: false, measured: 1, reason: `run ${results.runId} completed` };
  const why = results.incompleteReason ? `: ${results.incompleteReason.split('\n')[0]}` : '';
  return { ...base, passed: false, skipped: false, measured: 0, reason: `run ${results.runId} is incomplete${why}` };
}

/**
 * Checks results against expectations: one run-level check ("run complete") first, then one check per
 * expectation, in file order. A variant missing from the results fails its check; a peak check without a
 * stored baseline for the results' runtime and that variant is skipped. Results of another scenario are a
 * UsageError.
 */
export function checkExpectations(results: Results, expectations: Expectations, baseline: Baseline | null): CheckOutcome {
  if (results.scenario !== expectations.scenario) {
    throw new UsageError(`${expectations.source} checks scenario "${expectations.scenario}", but the results are of "${results.scenario}"`);
  }
  const known = results.variants.map((v) => v.name);
  const checks: Check[] = [completeCheck(results)];
  for (const expectation of expectations.expectations) {
    const name = checkName(expectation);
    const { variant } = expectation;
    const summary = results.variants.find((v) => v.name === variant);
    if (!summary) {
      checks.push({
        name,
        variant,
        passed: false,
        skipped: false,
        measured: null,
        expected: expectation.measure === 'peakMemoryMedian' ? { withinPercent: expectation.bound.withinPercent, baselineBytes: null } : { ...expectation.bound },
        reason: `${variant}: variant not in the results (they have ${known.join(', ') || 'no variants'})`,
      });
      continue;
    }
    switch (expectation.measure) {
      case 'survivalRate':
        checks.push(rateCheck(name, variant, 'survival', summary.survivedRepetitions, summary.repetitions, expectation.bound));
        break;
      case 'oomKilledRate': {
        const runs = results.runs.filter((run) => run.variant === variant);
        const killed = runs.filter((run) => run.oomKills > 0).length;
        checks.push(rateCheck(name, variant, 'OOM-kill rate', killed, runs.length, expectation.bound));
        break;
      }
      case 'thrashedRate': {
        // Measured only where the sample reported per-request GC figures: older samples leave it unknown.
        const runs = results.runs.filter((run) => run.variant === variant && run.gcCpuShareMax !== null);
        checks.push(rateCheck(name, variant, 'thrash rate', runs.filter((run) => run.thrashed).length, runs.length, expectation.bound, 'repetitions with request metrics'));
        break;
      }
      case 'peakMemoryMedian':
        checks.push(peakCheck(name, variant, results, expectation.bound.withinPercent, baseline, expectations.baselineFile));
        break;
    }
  }
  return { passed: checks.every((check) => check.passed || check.skipped), checks };
}

/**
 * The baseline with this run's per-variant peakMemoryMedianBytes stored under its runtime. Other runtimes
 * and variants without a measured peak keep their previous values. An incomplete run is a UsageError.
 */
export function updatedBaseline(previous: Baseline | null, results: Results): Baseline {
  if (!results.complete) throw new UsageError(`run ${results.runId} is incomplete: not recording it as the baseline`);
  const next: Baseline = {};
  for (const [runtime, variants] of Object.entries(previous ?? {})) next[runtime] = { ...variants };
  const entries = { ...(next[results.runtime] ?? {}) };
  for (const variant of results.variants) {
    if (variant.peakMemoryMedianBytes === null) continue;
    entries[variant.name] = { peakMemoryMedianBytes: variant.peakMemoryMedianBytes, runId: results.runId };
  }
  next[results.runtime] = entries;
  return next;
}

export interface RegressSummary {
  schemaVersion: 1;
  scenario: string;
  runtime: string;
  runId: string;
  startedAt: string;
  finishedAt: string | null;
  passed: boolean;
  /** Why the run was not judged (its Go is not the expectations'); null when it was. */
  notJudged: string | null;
  counts: { checks: number; passed: number; failed: number; skipped: number };
  checks: Check[];
  variants: {
    name: string;
    repetitions: number;
    survivedRepetitions: number;
    /** 95% Wilson interval, as in results.json. */
    survival: { rate: number | null; low: number; high: number };
    oomKilledRepetitions: number;
    peakMemoryMedianBytes: number | null;
  }[];
}

/** The JSON written as regress-summary.json. */
export function regressSummary(results: Results, outcome: CheckOutcome): RegressSummary {
  const skipped = outcome.checks.filter((c) => c.skipped).length;
  const passed = outcome.checks.filter((c) => c.passed).length;
  return {
    schemaVersion: 1,
    scenario: results.scenario,
    runtime: results.runtime,
    runId: results.runId,
    startedAt: results.startedAt,
    finishedAt: results.finishedAt,
    passed: outcome.passed,
    notJudged: null,
    counts: { checks: outcome.checks.length, passed, failed: outcome.checks.length - passed - skipped, skipped },
    checks: outcome.checks,
    variants: results.variants.map((v) => ({
      name: v.name,
      repetitions: v.repetitions,
      survivedRepetitions: v.survivedRepetitions,
      survival: v.survival,
      oomKilledRepetitions: results.runs.filter((run) => run.variant === v.name && run.oomKills > 0).length,
      peakMemoryMedianBytes: v.peakMemoryMedianBytes,
    })),
  };
}

/** Why a run cannot be judged by these expectations: its sample was built with another Go than they were measured on. */
export function goMismatch(results: Results, expectations: Expectations): string | null {
  if (!expectations.go) return null;
  const wanted = `go${expectations.go}`;
  const releases = goReleases(results);
  if (releases.length === 1 && releases[0] === wanted) return null;
  return `the sample was built with ${releases.join(', ') || 'an unrecorded Go'}, but ${expectations.source} was measured on ${wanted} (drop --go, or measure expectations on that release)`;
}
