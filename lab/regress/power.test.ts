import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binomialCdf, medianBand, planRateCheck, type RatePlan } from './power.js';
import { seededRandom } from '../concurrency.js';

// ---- An independent, exact reference: rates as fractions a/b, sums as BigInt numerators over b^n. ----

/** A probability a/b, exactly. */
interface Fraction {
  a: bigint;
  b: bigint;
}

const frac = (a: number, b: number): Fraction => ({ a: BigInt(a), b: BigInt(b) });

/** A double is a dyadic rational, so this is exact for any p in [2^-8, 1] (the rates used here). */
function fractionOfDouble(p: number): Fraction {
  const scaled = p * 2 ** 60;
  assert.ok(Number.isInteger(scaled), `${p} is not exact at 2^-60`);
  return { a: BigInt(scaled), b: 2n ** 60n };
}

/** Numerators of P(X = j), j = 0..n, all over b^n: C(n, j) a^j (b - a)^(n - j). */
function exactPmfNumerators(n: number, { a, b }: Fraction): bigint[] {
  const numerators: bigint[] = [];
  let choose = 1n;
  for (let j = 0; j <= n; j++) {
    if (j > 0) choose = (choose * BigInt(n - j + 1)) / BigInt(j);
    numerators.push(choose * a ** BigInt(j) * (b - a) ** BigInt(n - j));
  }
  return numerators;
}

/** Numerators of P(X <= c), c = 0..n, over the returned denominator b^n. */
function exactCdfNumerators(n: number, p: Fraction): { numerators: bigint[]; denominator: bigint } {
  let sum = 0n;
  const numerators = exactPmfNumerators(n, p).map((term) => (sum += term));
  return { numerators, denominator: p.b ** BigInt(n) };
}

/** num/den correctly rounded to about 64 bits before the final conversion, so relative error ~1e-16. */
function ratioToNumber(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const shift = den.toString(2).length - num.toString(2).length + 64;
  const quotient = shift >= 0 ? (num << BigInt(shift)) / den : num / (den << BigInt(-shift));
  // Split the power of two so that neither factor over- or underflows on its own.
  return Number(quotient) * 2 ** -Math.ceil(shift / 2) * 2 ** -Math.floor(shift / 2);
}

function exactCdf(k: number, n: number, p: Fraction): number {
  const { numerators, denominator } = exactCdfNumerators(n, p);
  return ratioToNumber(numerators[k]!, denominator);
}

/** P(X >= c), exactly. */
const exactUpper = (c: number, n: number, p: Fraction): number => {
  if (c <= 0) return 1;
  const { numerators, denominator } = exactCdfNumerators(n, p);
  return ratioToNumber(denominator - numerators[c - 1]!, denominator);
};

/**
 * A brute-force planner in exact rational arithmetic: every n from 1, every cutoff, compared without rounding.
 * Returns the first n that has a qualifying cutoff, and the most powerful such cutoff.
 */
function bruteForcePlan(expected: Fraction, detect: Fraction, falseAlarm: Fraction, power: Fraction, direction: 'drop' | 'rise', maxN: number) {
  for (let n = 1; n <= maxN; n++) {
    const e = exactCdfNumerators(n, expected);
    const d = exactCdfNumerators(n, detect);
    // Most powerful first: drop cutoffs n - 1 down to 0 (fail at <= c), rise cutoffs 1 up to n (fail at >= c).
    const ordered = [...Array(n).keys()].map((i) => (direction === 'drop' ? n - 1 - i : i + 1));
    for (const c of ordered) {
      const eFail = direction === 'drop' ? e.numerators[c]! : e.denominator - e.numerators[c - 1]!;
      const dFail = direction === 'drop' ? d.numerators[c]! : d.denominator - d.numerators[c - 1]!;
      const withinFalseAlarm = eFail * falseAlarm.b <= falseAlarm.a * e.denominator;
      const powerful = dFail * power.b >= power.a * d.denominator;
      if (withinFalseAlarm && powerful) return { n, cutoff: c };
    }
  }
  return null;
}

// ---- binomialCdf ----

test('binomialCdf matches exact BigInt sums for the worked example rates at n = 21, every k', () => {
  for (const [p, fraction] of [[0.96, frac(96, 100)], [0.7, frac(70, 100)]] as const) {
    for (let k = 0; k <= 21; k++) {
      const exact = exactCdf(k, 21, fraction);
      assert.ok(Math.abs(binomialCdf(k, 21, p) - exact) < 1e-14, `k=${k} p=${p}: ${binomialCdf(k, 21, p)} vs ${exact}`);
    }
  }
});

test('binomialCdf stays within 1e-12 of exact sums at n = 200 and n = 1000, and keeps tiny tails relatively exact', () => {
  const cases: Array<[number, number, number, Fraction]> = [
    [0, 200, 0.5, frac(1, 2)],
    [100, 200, 0.5, frac(1, 2)],
    [185, 200, 0.96, frac(96, 100)],
    [192, 200, 0.96, frac(96, 100)],
    [199, 200, 0.96, frac(96, 100)],
    [3, 200, 0.03, frac(3, 100)],
    [10, 200, 0.03, frac(3, 100)],
    [140, 200, 0.7, frac(7, 10)],
    [500, 1000, 0.5, frac(1, 2)],
    [955, 1000, 0.96, frac(96, 100)],
    [320, 1000, 1 / 3, frac(1, 3)],
  ];
  for (const [k, n, p, fraction] of cases) {
    const exact = exactCdf(k, n, fraction);
    assert.ok(Math.abs(binomialCdf(k, n, p) - exact) < 1e-12, `k=${k} n=${n} p=${p}: ${binomialCdf(k, n, p)} vs ${exact}`);
  }
  // Across the bulk at n = 1000, where log C(n, k) is ~690 and cancels: comfortably inside the 1e-12 promise.
  const half = exactCdfNumerators(1000, frac(1, 2));
  for (let k = 400; k <= 600; k += 10) {
    const exact = ratioToNumber(half.numerators[k]!, half.denominator);
    assert.ok(Math.abs(binomialCdf(k, 1000, 0.5) - exact) < 1e-13, `k=${k}: ${binomialCdf(k, 1000, 0.5)} vs ${exact}`);
  }
  // Deep in the lower tail (~1e-26): the log-space terms keep relative, not just absolute, accuracy.
  const tiny = exactCdf(150, 200, frac(96, 100));
  assert.ok(tiny > 0 && tiny < 1e-20);
  assert.ok(Math.abs(binomialCdf(150, 200, 0.96) / tiny - 1) < 1e-11);
});

test('binomialCdf edges: k < 0, k >= n, p = 0, p = 1, n = 0, fractional k', () => {
  assert.equal(binomialCdf(-1, 10, 0.3), 0);
  assert.equal(binomialCdf(10, 10, 0.3), 1);
  assert.equal(binomialCdf(12, 10, 0.3), 1);
  assert.equal(binomialCdf(0, 10, 0), 1);
  assert.equal(binomialCdf(9, 10, 1), 0);
  assert.equal(binomialCdf(10, 10, 1), 1);
  assert.equal(binomialCdf(0, 0, 0.4), 1);
  assert.equal(binomialCdf(2.5, 10, 0.3), binomialCdf(2, 10, 0.3));
  assert.ok(Math.abs(binomialCdf(0, 10, 0.3) - 0.7 ** 10) < 1e-16);
  assert.throws(() => binomialCdf(1, 10, 1.5), /p must be in \[0, 1\]/);
  assert.throws(() => binomialCdf(1, -1, 0.5), /n must be a non-negative integer/);
});

// ---- planRateCheck ----

function assertPlanExact(plan: RatePlan, expected: Fraction, detect: Fraction): void {
  const fail = (p: Fraction) => (plan.direction === 'drop' ? exactCdf(plan.cutoff, plan.n, p) : exactUpper(plan.cutoff, plan.n, p));
  assert.ok(Math.abs(plan.falseAlarmRate - fail(expected)) < 1e-12, `falseAlarmRate ${plan.falseAlarmRate} vs ${fail(expected)}`);
  assert.ok(Math.abs(plan.detectionRate - fail(detect)) < 1e-12, `detectionRate ${plan.detectionRate} vs ${fail(detect)}`);
}

test('worked example: survival 0.96, detect 0.70 at 90% power and 1% false alarms needs n = 21, fail at <= 17', () => {
  const plan = planRateCheck({ expected: 0.96, detect: 0.7, falseAlarm: 0.01, power: 0.9, direction: 'drop' });
  assert.equal(plan.n, 21);
  assert.equal(plan.cutoff, 17);
  assert.equal(plan.direction, 'drop');
  assertPlanExact(plan, frac(96, 100), frac(70, 100));
  assert.ok(plan.falseAlarmRate <= 0.01 && plan.detectionRate >= 0.9);
  // At n = 20 no cutoff has both: checked exactly, without rounding, for every cutoff.
  const e = exactCdfNumerators(20, frac(96, 100));
  const d = exactCdfNumerators(20, frac(70, 100));
  for (let c = 0; c <= 20; c++) {
    const withinFalseAlarm = e.numerators[c]! * 100n <= e.denominator;
    const powerful = d.numerators[c]! * 10n >= 9n * d.denominator;
    assert.ok(!(withinFalseAlarm && powerful), `n = 20 with cutoff ${c} should not qualify`);
  }
  assert.deepEqual(bruteForcePlan(frac(96, 100), frac(70, 100), frac(1, 100), frac(9, 10), 'drop', 30), { n: 21, cutoff: 17 });
});

test("a 'rise' of a slowed share from 2% to 30% fails the night at >= 3 of 16, as an exact brute force finds", () => {
  const plan = planRateCheck({ expected: 0.02, detect: 0.3, falseAlarm: 0.01, power: 0.9, direction: 'rise' });
  assert.deepEqual({ n: plan.n, cutoff: plan.cutoff }, { n: 16, cutoff: 3 });
  assert.deepEqual(bruteForcePlan(frac(2, 100), frac(30, 100), frac(1, 100), frac(9, 10), 'rise', 30), { n: 16, cutoff: 3 });
  assertPlanExact(plan, frac(2, 100), frac(30, 100));
});

test("'rise' mirrors 'drop': a rise from 0.04 to 0.30 is the worked example counted the other way", () => {
  const rise = planRateCheck({ expected: 0.04, detect: 0.3, falseAlarm: 0.01, power: 0.9, direction: 'rise' });
  const drop = planRateCheck({ expected: 0.96, detect: 0.7, falseAlarm: 0.01, power: 0.9, direction: 'drop' });
  assert.equal(rise.n, drop.n);
  assert.equal(rise.cutoff, drop.n - drop.cutoff);
  assertPlanExact(rise, frac(4, 100), frac(30, 100));
});

test('planRateCheck agrees with the exact brute force on a spread of inputs', () => {
  const cases: Array<[number, number, number, number, 'drop' | 'rise']> = [
    [90, 50, 5, 80, 'drop'],
    [99, 80, 1, 95, 'drop'],
    [75, 40, 10, 90, 'drop'],
    [5, 40, 5, 80, 'rise'],
    [10, 50, 1, 95, 'rise'],
    // Extreme cutoffs (fail when none, or all, of 2 count) whose false-alarm rate meets the budget exactly: 0.1² = 0.01.
    [90, 2, 1, 90, 'drop'],
    [10, 98, 1, 90, 'rise'],
  ];
  for (const [e, d, alpha, power, direction] of cases) {
    const plan = planRateCheck({ expected: e / 100, detect: d / 100, falseAlarm: alpha / 100, power: power / 100, direction });
    const brute = bruteForcePlan(frac(e, 100), frac(d, 100), frac(alpha, 100), frac(power, 100), direction, 60);
    assert.deepEqual({ n: plan.n, cutoff: plan.cutoff }, brute, `${direction} ${e}% -> ${d}%`);
    assertPlanExact(plan, frac(e, 100), frac(d, 100));
  }
});

test('expected = 1 exactly: a kill rate of 1.0 falling to 0.8 needs n = 11, fail at <= 10 kills, no false alarms', () => {
  const plan = planRateCheck({ expected: 1, detect: 0.8, falseAlarm: 0.01, power: 0.9, direction: 'drop' });
  assert.deepEqual({ n: plan.n, cutoff: plan.cutoff, falseAlarmRate: plan.falseAlarmRate }, { n: 11, cutoff: 10, falseAlarmRate: 0 });
  // Fails unless all 11 are killed: 1 - 0.8^11 = 0.914 >= 0.9, while n = 10 gives 1 - 0.8^10 = 0.893.
  assert.ok(Math.abs(plan.detectionRate - (1 - 0.8 ** 11)) < 1e-14);
  assert.ok(1 - 0.8 ** 10 < 0.9);
});

test("expected = 0 exactly: a baseline survival that should stay at 0, 'rise' to 0.2, fails at >= 1 of 11", () => {
  const plan = planRateCheck({ expected: 0, detect: 0.2, falseAlarm: 0.01, power: 0.9, direction: 'rise' });
  assert.deepEqual({ n: plan.n, cutoff: plan.cutoff, falseAlarmRate: plan.falseAlarmRate }, { n: 11, cutoff: 1, falseAlarmRate: 0 });
  assert.ok(Math.abs(plan.detectionRate - (1 - 0.8 ** 11)) < 1e-14);
});

test('planRateCheck rejects inconsistent inputs and unreachable plans with one-line messages', () => {
  const base = { expected: 0.96, detect: 0.7, falseAlarm: 0.01, power: 0.9, direction: 'drop' as const };
  const cases: Array<[Partial<Parameters<typeof planRateCheck>[0]>, RegExp]> = [
    [{ detect: 0.99 }, /'drop' check needs detect < expected/],
    [{ detect: 0.96 }, /'drop' check needs detect < expected/],
    [{ expected: 0.04, detect: 0.01, direction: 'rise' }, /'rise' check needs detect > expected/],
    [{ expected: 1.2 }, /expected rate must be in \[0, 1\]/],
    [{ detect: -0.1 }, /detect rate must be in \[0, 1\]/],
    [{ expected: Number.NaN }, /expected rate must be in \[0, 1\]/],
    [{ falseAlarm: 0 }, /falseAlarm must be in \(0, 1\)/],
    [{ falseAlarm: 1 }, /falseAlarm must be in \(0, 1\)/],
    [{ power: 0 }, /power must be in \(0, 1\)/],
    [{ power: 1 }, /power must be in \(0, 1\)/],
    [{ maxN: 0 }, /maxN must be a positive integer/],
    [{ maxN: 20 }, /no n <= 20 detects a drop from 0.96 to 0.7 with power 0.9 at false-alarm rate 0.01/],
    [{ detect: 0.959, maxN: 100 }, /no n <= 100 detects a drop/],
  ];
  for (const [override, message] of cases) {
    assert.throws(
      () => planRateCheck({ ...base, ...override }),
      (error: unknown) => error instanceof Error && message.test(error.message) && !error.message.includes('\n'),
      JSON.stringify(override),
    );
  }
});

// ---- medianBand ----


test('medianBand for n = 21 at 1% false alarms: the largest q whose exact two-sided rate is within budget', () => {
  const band = medianBand([5, 1, 4, 2, 3], 21, 0.01);
  const q = band.qLow;
  assert.equal(band.qHigh, 1 - q);
  // The median of 21 (the 11th) is below F^-1(q) when >= 11 of 21 are: exact with q as the dyadic rational it is.
  const exactRate = 2 * exactUpper(11, 21, fractionOfDouble(q));
  assert.ok(Math.abs(band.falseAlarmRate - exactRate) < 1e-14, `${band.falseAlarmRate} vs ${exactRate}`);
  assert.ok(band.falseAlarmRate <= 0.01 && band.falseAlarmRate > 0.01 - 1e-12);
  // Largest: a hair more q breaks the budget.
  assert.ok(2 * (1 - binomialCdf(10, 21, q + 1e-9)) > 0.01);
  assert.ok(q > 0.23 && q < 0.25, String(q));
});

test('medianBand for even n uses the lower middle, m = n/2, for both sides', () => {
  const band = medianBand([1, 2, 3, 4, 5, 6], 20, 0.05);
  const exactRate = 2 * exactUpper(10, 20, fractionOfDouble(band.qLow));
  assert.ok(Math.abs(band.falseAlarmRate - exactRate) < 1e-14);
  assert.ok(band.falseAlarmRate <= 0.05 && band.falseAlarmRate > 0.05 - 1e-12);
});

test('medianBand interpolates linearly between stored order statistics and leaves the stored array alone', () => {
  const stored = [50, 10, 40, 20, 30];
  const band = medianBand(stored, 9, 0.1);
  // Sorted 10..50 at positions 0..4: the q-quantile sits at position 4q.
  assert.ok(Math.abs(band.low - (10 + 40 * band.qLow)) < 1e-9);
  assert.ok(Math.abs(band.high - (10 + 40 * band.qHigh)) < 1e-9);
  assert.deepEqual(stored, [50, 10, 40, 20, 30]);
  assert.throws(() => medianBand([1, 2, 3, 4], 21, 0.01), /at least 5 stored values, got 4/);
  assert.throws(() => medianBand([1, 2, 3, 4, 5], 0, 0.01), /n must be a positive integer/);
  assert.throws(() => medianBand([1, 2, 3, 4, 5], 21, 1), /falseAlarm must be in \(0, 1\)/);
});

test('medianBand: 20,000 simulated nights from the stored distribution alarm at about the stated rate; a +3% shift is caught far more often', () => {
  // A logistic peak-memory law (200 MiB, scale 3%): its CDF is closed-form, so the band's exact conditional rate is known.
  const center = 200 * 2 ** 20;
  const scale = 0.03 * center;
  const cdf = (x: number, shift: number) => 1 / (1 + Math.exp(-(x / shift - center) / scale));
  const random = seededRandom(20261129);
  const draw = (shift: number) => {
    let u = 0;
    while (u === 0) u = random();
    return shift * (center + scale * Math.log(u / (1 - u)));
  };
  const n = 21;
  const m = 11;
  const falseAlarm = 0.05;
  const band = medianBand(Array.from({ length: 400 }, () => draw(1)), n, falseAlarm);

  const nights = 20_000;
  const alarmRate = (shift: number) => {
    const night = new Float64Array(n);
    let alarms = 0;
    for (let i = 0; i < nights; i++) {
      for (let j = 0; j < n; j++) night[j] = draw(shift);
      night.sort();
      const median = night[m - 1]!;
      if (median < band.low || median > band.high) alarms++;
    }
    return alarms / nights;
  };
  // This band's exact rate under the true law: median below low, or fewer than m at or below high.
  const conditionalRate = (shift: number) => 1 - binomialCdf(m - 1, n, cdf(band.low, shift)) + binomialCdf(m - 1, n, cdf(band.high, shift));
  const withinSampling = (observed: number, rate: number) => Math.abs(observed - rate) <= 4.5 * Math.sqrt((rate * (1 - rate)) / nights);

  const same = alarmRate(1);
  // The order-statistic arithmetic is right: simulation and exact conditional rate agree to sampling error.
  assert.ok(withinSampling(same, conditionalRate(1)), `simulated ${same} vs exact ${conditionalRate(1)}`);
  // And near the stated rate; the slack is the stored quantiles' own error, which the band ignores.
  assert.ok(same > falseAlarm / 2 && same < falseAlarm * 1.6, `simulated ${same} vs stated ${band.falseAlarmRate}`);

  const shifted = alarmRate(1.03);
  assert.ok(withinSampling(shifted, conditionalRate(1.03)), `shifted: simulated ${shifted} vs exact ${conditionalRate(1.03)}`);
  assert.ok(shifted > 0.3 && shifted > 5 * same, `shifted ${shifted} vs same ${same}`);
});
