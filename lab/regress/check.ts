// Checks a run's results against a scenario's expectations. Pure: no I/O, no clock.
import { judged } from '../analyse/outcome.js';
import { goReleases } from '../report/go-line.js';
import path from 'node:path';
import { formatBytes, wilsonInterval } from '../analyse/stats.js';
import { UsageError } from '../errors.js';
import type { Results } from '../model/results.js';
import { isPlanned, type Baseline, type Expectation, type Expectations, type PeakBound, type PlannedRate, type RateBound } from './expectations.js';
import { cutoffAt, failsAtText } from './plan.js';
import { medianBand } from './power.js';

/** What a check compared against: a rate bound, a peak tolerance around the stored value, or run completeness. */
export type Expected =
  | RateBound
  | (PlannedRate & { n: number; cutoff: number; falseAlarmRate: number; detectionRate: number })
  | { withinPercent: number; baselineBytes: number | null }
  | { againstStored: true; low: number | null; high: number | null; falseAlarmRate: number | null }
  | { complete: true };

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

/** Per-repetition peaks kept per variant and runtime: the newest, enough for the band's quantiles to settle. */
export const STORED_PEAKS = 200;

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
  const { bound } = expectation;
  if (expectation.measure === 'peakMemoryMedian') return 'withinPercent' in bound ? `peakMemoryMedian within ${bound.withinPercent}%` : 'peakMemoryMedian within the stored band';
  if (isPlanned(bound as RateBound | PlannedRate)) return `${expectation.measure} ${pct((bound as PlannedRate).measured)}, catching ${pct((bound as PlannedRate).detect)}`;
  return `${expectation.measure} ${boundText(bound as RateBound)}`;
}

/** A rate with a stated change to catch: judged by the exact binomial cut-off for this run's repetitions. */
function plannedRateCheck(name: string, variant: string, label: string, hits: number, trials: number, bound: PlannedRate, falseAlarm: number): Check {
  if (trials === 0) return { name, variant, expected: { ...bound, n: 0, cutoff: 0, falseAlarmRate: 0, detectionRate: 0 }, passed: false, skipped: false, measured: null, reason: `${variant}: no repetitions recorded, so no ${label} to check` };
  const plan = cutoffAt(trials, bound, falseAlarm);
  const failed = plan.direction === 'drop' ? hits <= plan.cutoff : hits >= plan.cutoff;
  const odds = `fails at ${failsAtText(plan)}: ${pct(plan.falseAlarmRate)} of nights at ${pct(bound.measured)}, ${pct(plan.detectionRate)} at ${pct(bound.detect)}`;
  const reason = `${variant}: ${label} ${hits}/${trials} ${failed ? 'is the change the gate catches' : 'holds'} (${odds})`;
  return { name, variant, expected: { ...bound, ...plan }, passed: !failed, skipped: false, measured: hits / trials, reason };
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

/** The run's median peak against a distribution-free band cut from the stored per-repetition peaks (both ways). */
function bandCheck(name: string, variant: string, results: Results, baseline: Baseline | null, falseAlarm: number, baselineFile: string): Check {
  const summary = results.variants.find((v) => v.name === variant);
  const measured = summary?.peakMemoryMedianBytes ?? null;
  const stored = baseline?.[results.runtime]?.[variant]?.peaks ?? [];
  const base = { name, variant, measured };
  if (measured === null) return { ...base, expected: { againstStored: true, low: null, high: null, falseAlarmRate: null }, passed: false, skipped: results.runtime === 'existing', reason: `${variant}: no peak memory was measured on runtime ${results.runtime}` };
  if (stored.length < 5) {
    return { ...base, expected: { againstStored: true, low: null, high: null, falseAlarmRate: null }, passed: false, skipped: true, reason: `${variant}: ${stored.length} stored peaks for runtime ${results.runtime} in ${path.basename(baselineFile)} (5 needed); record them with \`${UPDATE_BASELINE_COMMAND}\`` };
  }
  const band = medianBand(stored, summary!.repetitions, falseAlarm);
  const inside = measured >= band.low && measured <= band.high;
  const where = inside ? 'is inside' : measured < band.low ? 'is below' : 'is above';
  const reason = `${variant}: peak memory median ${formatBytes(measured)} ${where} the band ${formatBytes(band.low)}–${formatBytes(band.high)} from ${stored.length} stored peaks (${pct(band.falseAlarmRate)} of nights outside it by chance)`;
  return { ...base, expected: { againstStored: true, low: band.low, high: band.high, falseAlarmRate: band.falseAlarmRate }, passed: inside, skipped: false, reason };
}

function peakExpectationCheck(name: string, variant: string, results: Results, bound: PeakBound, baseline: Baseline | null, expectations: Expectations): Check {
  if ('withinPercent' in bound) return peakCheck(name, variant, results, bound.withinPercent, baseline, expectations.baselineFile);
  return bandCheck(name, variant, results, baseline, expectations.falseAlarm, expectations.baselineFile);
}

/** Planned or fixed-bound: the rate check an expectation asks for. */
function anyRateCheck(name: string, variant: string, label: string, hits: number, trials: number, bound: RateBound | PlannedRate, falseAlarm: number, trialsAre?: string): Check {
  return isPlanned(bound) ? plannedRateCheck(name, variant, label, hits, trials, bound, falseAlarm) : rateCheck(name, variant, label, hits, trials, bound, trialsAre);
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
        expected: expectation.measure === 'peakMemoryMedian' ? ('withinPercent' in expectation.bound ? { withinPercent: expectation.bound.withinPercent, baselineBytes: null } : { againstStored: true, low: null, high: null, falseAlarmRate: null }) : isPlanned(expectation.bound) ? { ...expectation.bound, n: 0, cutoff: 0, falseAlarmRate: 0, detectionRate: 0 } : { ...expectation.bound },
        reason: `${variant}: variant not in the results (they have ${known.join(', ') || 'no variants'})`,
      });
      continue;
    }
    switch (expectation.measure) {
      case 'survivalRate':
        checks.push(anyRateCheck(name, variant, 'survival', summary.survivedRepetitions, summary.repetitions, expectation.bound, expectations.falseAlarm));
        break;
      case 'oomKilledRate': {
        const runs = judged(results.runs).filter((run) => run.variant === variant);
        const killed = runs.filter((run) => run.outcome === 'oom-killed').length;
        checks.push(anyRateCheck(name, variant, 'OOM-kill rate', killed, runs.length, expectation.bound, expectations.falseAlarm));
        break;
      }
      case 'slowedRate': {
        // Measured only where the sample reported per-request GC figures: older samples leave it unknown.
        const runs = results.runs.filter((run) => run.variant === variant && run.gcCpuShareMax !== null);
        checks.push(anyRateCheck(name, variant, 'slowed rate', runs.filter((run) => run.outcome === 'slowed').length, runs.length, expectation.bound, expectations.falseAlarm, 'repetitions with request metrics'));
        break;
      }
      case 'peakMemoryMedian':
        checks.push(peakExpectationCheck(name, variant, results, expectation.bound, baseline, expectations));
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
  const go = goReleases(results);
  const repetitionSeconds = results.environment.timings.repetitionMedianSeconds;
  for (const variant of results.variants) {
    if (variant.peakMemoryMedianBytes === null) continue;
    const peaks = results.runs.filter((run) => run.variant === variant.name).flatMap((run) => (run.memory.peakBytes === null ? [] : [run.memory.peakBytes]));
    entries[variant.name] = {
      peakMemoryMedianBytes: variant.peakMemoryMedianBytes,
      runId: results.runId,
      peaks: [...(entries[variant.name]?.peaks ?? []), ...peaks].slice(-STORED_PEAKS),
      ...(go.length === 1 ? { go: go[0] } : {}),
      ...(repetitionSeconds ? { repetitionSeconds: Number(repetitionSeconds.toFixed(2)) } : {}),
      ...(results.execution ? { parallel: results.execution.parallel } : {}),
    };
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
      oomKilledRepetitions: results.runs.filter((run) => run.variant === v.name && run.outcome === 'oom-killed').length,
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
