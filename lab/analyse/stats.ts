// Small, dependency-free statistics for summarising repeated lab runs.

/** Quantile with linear interpolation between closest ranks (numpy's default 'linear'). */
export function quantile(values: readonly number[], q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile q must be in [0, 1], got ${q}`);
  if (values.length === 0) return null;
  const xs = [...values].sort((a, b) => a - b); // copy: callers' arrays stay untouched
  const h = (xs.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, xs.length - 1);
  return xs[lo]! + (h - lo) * (xs[hi]! - xs[lo]!);
}

export const median = (values: readonly number[]): number | null => quantile(values, 0.5);

export function mean(values: readonly number[]): number | null {
  return values.length ? values.reduce((s, x) => s + x, 0) / values.length : null;
}

// reduce rather than Math.max(...values), which fails on very long arrays.
export function max(values: readonly number[]): number | null {
  return values.reduce<number | null>((m, x) => (m === null || x > m ? x : m), null);
}

export function min(values: readonly number[]): number | null {
  return values.reduce<number | null>((m, x) => (m === null || x < m ? x : m), null);
}

// Exact two-sided z for common confidences; others are found numerically.
const Z_TABLE: Record<string, number> = {
  '0.8': 1.2815515655446004,
  '0.9': 1.6448536269514722,
  '0.95': 1.959963984540054,
  '0.98': 2.3263478740408408,
  '0.99': 2.5758293035489004,
  '0.999': 3.2905267314918945,
};

// Standard normal CDF via Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), enough for z to ~1e-5.
function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** z such that P(-z < Z < z) = confidence. */
export function zForConfidence(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const known = Z_TABLE[String(confidence)];
  if (known !== undefined) return known;
  const target = 1 - (1 - confidence) / 2;
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Wilson score interval for a binomial proportion. Chosen over the normal (Wald) interval
 * because lab runs are few (n≈5-20) and often all-or-nothing, where Wald collapses to [p, p].
 */
export function wilsonInterval(
  successes: number,
  trials: number,
  confidence = 0.95,
): { rate: number | null; low: number; high: number } {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials) {
    throw new RangeError(`need integers 0 <= successes <= trials, got ${successes}/${trials}`);
  }
  if (trials === 0) return { rate: null, low: 0, high: 1 };
  const z = zForConfidence(confidence);
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials));
  // Clamp: at p=0 or p=1 the bound is analytically 0 or 1 but may round just past it.
  return { rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** Binary units with one decimal: 419430400 -> "400.0 MiB"; under 1 KiB stays integer bytes. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  let v = Math.abs(bytes);
  let u = 0;
  while (v >= 1024 && u < BINARY_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const sign = bytes < 0 ? '-' : '';
  return u === 0 ? `${sign}${v} B` : `${sign}${v.toFixed(1)} ${BINARY_UNITS[u]}`;
}

/** Share of the limit still free at a peak; a killed container peaks at the limit, so never below 0. */
export function headroomShare(peakBytes: number, limitBytes: number): number {
  return Math.max(0, (limitBytes - peakBytes) / limitBytes);
}

/** Headroom as every report prints it, verdict and tables alike: "0.4% headroom". */
export function formatHeadroom(share: number): string {
  return `${(share * 100).toFixed(1)}% headroom`;
}

/** "4/5 (80%, 95% CI 38–96%)" */
export function formatRate(successes: number, trials: number): string {
  const { rate, low, high } = wilsonInterval(successes, trials);
  if (rate === null) return `${successes}/${trials} (no trials)`;
  const pct = (x: number) => Math.round(x * 100);
  return `${successes}/${trials} (${pct(rate)}%, 95% CI ${pct(low)}–${pct(high)}%)`;
}

/**
 * The contender rule the verdict and the slowed rule share: which survival intervals' rates lie inside the best
 * one's (the highest low end), so the repetitions cannot tell them apart from it. A rate of zero never contends.
 */
export function contendersOf<T>(items: readonly T[], interval: (item: T) => { rate: number | null; low: number }): (item: T) => boolean {
  const bestLow = Math.max(0, ...items.map((item) => interval(item).low));
  return (item) => {
    const rate = interval(item).rate ?? 0;
    return rate > 0 && rate >= bestLow;
  };
}
