// Exact-binomial planning for the nightly regression gate: how many repetitions a rate check needs, at which
// count it fails the night, and a distribution-free band for a median of new repetitions. Pure, no dependencies.

/** A success probability as its two logs, so the mirrored law (1 - p) is exact rather than rounded. */
interface LogRate {
  logP: number;
  logQ: number;
}

const logRate = (p: number): LogRate => ({ logP: Math.log(p), logQ: Math.log1p(-p) });
const mirrored = (rate: LogRate): LogRate => ({ logP: rate.logQ, logQ: rate.logP });

/**
 * P(X <= c) for c = 0..k, X ~ Binomial(n, p) with 0 < p < 1, k <= n. Each term is built in log space;
 * log C(n, j) is a compensated (Neumaier) running sum of log((n - j + 1) / j), so its absolute error stays
 * near 1e-14 even where it is ~690 (n = 1000) and cancels against j·log p + (n - j)·log q.
 */
function lowerTails(k: number, n: number, rate: LogRate): number[] {
  const tails: number[] = [];
  let logChoose = 0;
  let compensation = 0;
  let cumulative = 0;
  for (let j = 0; j <= k; j++) {
    if (j > 0) {
      const step = Math.log((n - j + 1) / j);
      const sum = logChoose + step;
      compensation += Math.abs(logChoose) >= Math.abs(step) ? logChoose - sum + step : step - sum + logChoose;
      logChoose = sum;
    }
    // No max-shift needed: the largest term is >= 1/(n + 1), so only terms below double range underflow.
    cumulative += Math.exp(logChoose + compensation + j * rate.logP + (n - j) * rate.logQ);
    tails.push(Math.min(1, cumulative));
  }
  return tails;
}

/** lowerTails, also for p = 0 and p = 1 (a log of -Infinity, which the log-space terms cannot take). */
function lowerTailsAnyRate(k: number, n: number, rate: LogRate): number[] {
  if (rate.logP === -Infinity) return Array.from({ length: k + 1 }, () => 1); // X = 0 always
  if (rate.logQ === -Infinity) return Array.from({ length: k + 1 }, (_, c) => (c >= n ? 1 : 0)); // X = n always
  return lowerTails(k, n, rate);
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

function checkProbability(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${value}`);
}

/** P(X <= k), X ~ Binomial(n, p), summed exactly term by term (accurate to ~1e-13 for n <= 1000). */
export function binomialCdf(k: number, n: number, p: number): number {
  checkCount('n', n);
  checkProbability('p', p);
  if (Number.isNaN(k)) throw new RangeError('k must be a number, got NaN');
  const c = Math.floor(k); // X is an integer, so P(X <= 2.5) = P(X <= 2)
  if (c < 0) return 0;
  if (c >= n) return 1;
  return lowerTailsAnyRate(c, n, logRate(p))[c]!;
}

export interface RatePlan {
  n: number;
  /** drop: fail when count <= cutoff; rise: fail when count >= cutoff. */
  cutoff: number;
  direction: 'drop' | 'rise';
  /** Exact: the chance a night at the expected rate fails, and that one at the detect rate fails. */
  falseAlarmRate: number;
  detectionRate: number;
}

export interface RateCheckInput {
  /** The rate measured so far, e.g. survival 0.96. */
  expected: number;
  /** The rate the gate must catch, e.g. 0.70 (below expected for 'drop', above it for 'rise'). */
  detect: number;
  /** Highest acceptable chance that a night at the expected rate fails, in (0, 1). */
  falseAlarm: number;
  /** Lowest acceptable chance that a night at the detect rate fails, in (0, 1). */
  power: number;
  direction: 'drop' | 'rise';
  /** Largest n to consider; default 500. */
  maxN?: number;
}

function validatePlanInput(input: RateCheckInput): number {
  const { expected, detect, falseAlarm, power, direction } = input;
  const maxN = input.maxN ?? 500;
  if (direction !== 'drop' && direction !== 'rise') throw new Error(`direction must be 'drop' or 'rise', got ${String(direction)}`);
  if (!(expected >= 0 && expected <= 1)) throw new Error(`expected rate must be in [0, 1], got ${expected}`);
  if (!(detect >= 0 && detect <= 1)) throw new Error(`detect rate must be in [0, 1], got ${detect}`);
  if (!(falseAlarm > 0 && falseAlarm < 1)) throw new Error(`falseAlarm must be in (0, 1), got ${falseAlarm}`);
  if (!(power > 0 && power < 1)) throw new Error(`power must be in (0, 1), got ${power}`);
  if (!Number.isInteger(maxN) || maxN < 1) throw new Error(`maxN must be a positive integer, got ${maxN}`);
  if (direction === 'drop' && !(detect < expected)) throw new Error(`a 'drop' check needs detect < expected, got detect ${detect} and expected ${expected}`);
  if (direction === 'rise' && !(detect > expected)) throw new Error(`a 'rise' check needs detect > expected, got detect ${detect} and expected ${expected}`);
  return maxN;
}

// Decimal inputs can meet the budget exactly (0.1^2 = 0.01 false alarms); rounding must not break such a tie.
const TIE = 1e-12;

/**
 * For a 'drop' (fail when count <= c) with lower tails of the expected and detect laws: the largest c whose
 * false-alarm chance is within budget (the false-alarm tail only grows with c, and so does power), if its power
 * is enough. c stops at n - 1: c = n fails every night.
 */
function bestDropCutoff(expectedTails: number[], detectTails: number[], falseAlarm: number, power: number): number | null {
  let cutoff = -1;
  while (cutoff + 1 < expectedTails.length - 1 && expectedTails[cutoff + 1]! <= falseAlarm * (1 + TIE)) cutoff++;
  return cutoff >= 0 && detectTails[cutoff]! >= power * (1 - TIE) ? cutoff : null;
}

/**
 * The smallest n (and, for it, the most powerful cutoff) whose exact binomial false-alarm and detection chances
 * meet the budget. A 'rise' is planned as a 'drop' of the complementary count n - X (exactly, via mirrored logs).
 */
export function planRateCheck(input: RateCheckInput): RatePlan {
  const maxN = validatePlanInput(input);
  const { falseAlarm, power, direction } = input;
  const rise = direction === 'rise';
  const rateOf = (p: number) => (rise ? mirrored(logRate(p)) : logRate(p));
  const expectedRate = rateOf(input.expected);
  const detectRate = rateOf(input.detect);
  for (let n = 1; n <= maxN; n++) {
    const expectedTails = lowerTailsAnyRate(n, n, expectedRate);
    const detectTails = lowerTailsAnyRate(n, n, detectRate);
    const c = bestDropCutoff(expectedTails, detectTails, falseAlarm, power);
    if (c === null) continue;
    return { n, cutoff: rise ? n - c : c, direction, falseAlarmRate: expectedTails[c]!, detectionRate: detectTails[c]! };
  }
  throw new Error(
    `no n <= ${maxN} detects a ${direction} from ${input.expected} to ${input.detect} with power ${power} at false-alarm rate ${falseAlarm}`,
  );
}

/** P(Binomial(n, q) >= m), exactly, as the lower tail of the mirrored count. */
function upperTail(m: number, n: number, q: number): number {
  if (m <= 0) return 1;
  if (m > n) return 0;
  return lowerTailsAnyRate(n - m, n, mirrored(logRate(q)))[n - m]!;
}

/** Empirical quantile with linear interpolation between order statistics (R type 7, numpy 'linear'). */
function interpolatedQuantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export interface MedianBand {
  low: number;
  high: number;
  /** The stored quantiles the band spans: qLow = q, qHigh = 1 - q. */
  qLow: number;
  qHigh: number;
  /** 2·P(Binomial(n, q) >= m): exact for odd n, a slight upper bound for even n (see medianBand). */
  falseAlarmRate: number;
}

/**
 * A two-sided, distribution-free band for the median of n new repetitions, from stored per-repetition values.
 * The median (order statistic m = ceil(n/2); for even n, m = n/2, the lower middle) of n i.i.d. draws from a
 * continuous F falls below F^-1(q) with chance P(Binomial(n, q) >= m). q is the largest (<= 0.5) keeping that
 * within falseAlarm/2, found by bisection (the tail grows with q). By symmetry the same chance bounds the median
 * rising above F^-1(1 - q); for even n it bounds the upper middle and so the conventional mean-of-middles median.
 *
 * Caveat: the band uses the stored sample's empirical quantiles as if they were F's true ones. Their estimation
 * error is ignored, so the real false-alarm rate is somewhat higher than reported on average, more so with few
 * stored values; for one stored sample it can be off either way (simulated, n = 21 from 400 stored: ~0.3–2×).
 */
export function medianBand(stored: number[], n: number, falseAlarm: number): MedianBand {
  if (stored.length < 5) throw new Error(`medianBand needs at least 5 stored values, got ${stored.length}`);
  if (!stored.every(Number.isFinite)) throw new Error('medianBand needs finite stored values');
  if (!Number.isInteger(n) || n < 1) throw new Error(`n must be a positive integer, got ${n}`);
  if (!(falseAlarm > 0 && falseAlarm < 1)) throw new Error(`falseAlarm must be in (0, 1), got ${falseAlarm}`);
  const m = Math.ceil(n / 2); // (n + 1)/2 for odd n; n/2, the lower middle, for even n
  const oneSided = (q: number) => upperTail(m, n, q);
  // Invariant: oneSided(lo) <= falseAlarm/2 < oneSided(hi). oneSided(0) = 0, and oneSided(0.5) >= 1/2 for any n
  // (the median is as likely below the true median as not), so q < 0.5 always.
  let lo = 0;
  let hi = 0.5;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (oneSided(mid) <= falseAlarm / 2) lo = mid;
    else hi = mid;
  }
  const q = lo;
  const sorted = [...stored].sort((a, b) => a - b);
  return {
    low: interpolatedQuantile(sorted, q),
    high: interpolatedQuantile(sorted, 1 - q),
    qLow: q,
    qHigh: 1 - q,
    falseAlarmRate: 2 * oneSided(q),
  };
}
