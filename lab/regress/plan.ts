// What the nightly gate needs to run to catch the changes its expectations name: repetitions, cut-offs, time. Pure.
import { binomialCdf, medianBand, planRateCheck, type RatePlan } from './power.js';
import { isPlanned, type Baseline, type Expectation, type Expectations, type PlannedRate } from './expectations.js';

const pct = (share: number) => `${Number((share * 100).toFixed(1))}%`;

/** A planned rate: drop when the change to catch is a fall (survival, kills), rise when it is a climb (slowing). */
export function planOf(bound: PlannedRate, expectations: Pick<Expectations, 'falseAlarm' | 'power'>): RatePlan {
  return planRateCheck({
    expected: bound.measured,
    detect: bound.detect,
    falseAlarm: expectations.falseAlarm,
    power: expectations.power,
    direction: bound.detect < bound.measured ? 'drop' : 'rise',
  });
}

/**
 * The cut-off for a run of n repetitions that need not be the planned n (--reps): the most powerful one whose exact
 * false-alarm chance stays within budget. A cut-off that can never be reached (a drop's -1, a rise's n + 1) never fails.
 */
export function cutoffAt(n: number, bound: PlannedRate, falseAlarm: number): RatePlan {
  const drop = bound.detect < bound.measured;
  // Under the measured rate: P(X <= c) for a drop, P(X >= c) = 1 - P(X <= c - 1) for a rise.
  const alarm = (c: number) => (drop ? binomialCdf(c, n, bound.measured) : 1 - binomialCdf(c - 1, n, bound.measured));
  const detection = (c: number) => (drop ? binomialCdf(c, n, bound.detect) : 1 - binomialCdf(c - 1, n, bound.detect));
  let cutoff = drop ? -1 : n + 1;
  if (drop) while (cutoff + 1 < n && alarm(cutoff + 1) <= falseAlarm + 1e-12) cutoff += 1;
  else while (cutoff - 1 > 0 && alarm(cutoff - 1) <= falseAlarm + 1e-12) cutoff -= 1;
  const never = drop ? cutoff < 0 : cutoff > n;
  return { n, cutoff, direction: drop ? 'drop' : 'rise', falseAlarmRate: never ? 0 : alarm(cutoff), detectionRate: never ? 0 : detection(cutoff) };
}

export function failsAtText(plan: RatePlan): string {
  if (plan.direction === 'drop') return plan.cutoff < 0 ? 'never' : `<= ${plan.cutoff} of ${plan.n}`;
  return plan.cutoff > plan.n ? 'never' : `>= ${plan.cutoff} of ${plan.n}`;
}

export interface PlanRow {
  variant: string;
  check: string;
  change: string;
  /** What the stated power needs, and what the run takes (every variant runs the largest need). */
  needs: number | null;
  repetitions: number;
  failsAt: string;
  falseAlarm: string;
  detection: string;
}

/** Repetitions per variant the planned expectations need (the largest); null when none is planned. */
export function repetitionsNeeded(expectations: Expectations): number | null {
  const ns = expectations.expectations.flatMap((e) => (e.measure !== 'peakMemoryMedian' && isPlanned(e.bound) ? [planOf(e.bound, expectations).n] : []));
  return ns.length ? Math.max(...ns) : null;
}

function row(expectation: Expectation, expectations: Expectations, baseline: Baseline | null, runtime: string, n: number): PlanRow {
  const { variant } = expectation;
  if (expectation.measure === 'peakMemoryMedian') {
    if ('withinPercent' in expectation.bound) return { variant, check: 'peak median', change: `±${expectation.bound.withinPercent}% of the stored median`, needs: null, repetitions: n, failsAt: 'outside it', falseAlarm: 'not stated', detection: '—' };
    const stored = baseline?.[runtime]?.[variant]?.peaks ?? [];
    if (stored.length < 5) return { variant, check: 'peak median', change: `band from stored peaks (${stored.length} stored on ${runtime}; 5 needed)`, needs: null, repetitions: n, failsAt: 'skipped until recorded', falseAlarm: '—', detection: '—' };
    const band = medianBand(stored, n, expectations.falseAlarm);
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)}`;
    return { variant, check: 'peak median', change: `both ways, against ${stored.length} stored peaks`, needs: null, repetitions: n, failsAt: `outside ${mib(band.low)}–${mib(band.high)} MiB`, falseAlarm: pct(band.falseAlarmRate), detection: '—' };
  }
  if (!isPlanned(expectation.bound)) return { variant, check: expectation.measure, change: 'a fixed bound (no drop stated)', needs: null, repetitions: n, failsAt: JSON.stringify(expectation.bound), falseAlarm: 'not stated', detection: 'not stated' };
  const atRun = cutoffAt(n, expectation.bound, expectations.falseAlarm);
  return {
    variant,
    check: expectation.measure,
    change: `${pct(expectation.bound.measured)} → ${pct(expectation.bound.detect)}`,
    needs: planOf(expectation.bound, expectations).n,
    repetitions: n,
    failsAt: failsAtText(atRun),
    falseAlarm: pct(atRun.falseAlarmRate),
    detection: pct(atRun.detectionRate),
  };
}

export interface GatePlan {
  rows: PlanRow[];
  /** Repetitions per variant the run takes (the largest need), and in all. */
  perVariant: number;
  total: number;
  /** Expected wall time from the stored median repetition and concurrency of this runtime; null without them. */
  expectedSeconds: number | null;
}

export function planGate(expectations: Expectations, baseline: Baseline | null, runtime: string, variants: string[], reps?: number): GatePlan {
  const perVariant = reps ?? repetitionsNeeded(expectations) ?? 5;
  const rows = expectations.expectations.map((e) => row(e, expectations, baseline, runtime, perVariant));
  const total = perVariant * variants.length;
  const stored = Object.values(baseline?.[runtime] ?? {}).find((entry) => entry.repetitionSeconds && entry.parallel);
  const expectedSeconds = stored ? Math.ceil(total / stored.parallel!) * stored.repetitionSeconds! : null;
  return { rows, perVariant, total, expectedSeconds };
}
