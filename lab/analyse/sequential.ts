// Anytime-valid intervals and a stopping rule for `--reps auto`.
// Guarantee: however often one looks and whenever one stops, the chance that ANY variant's interval ever excludes its
// true survival rate is at most alpha (each gets alpha/k), so "separated" between equal variants is declared with
// probability at most alpha.
//
// Construction: Robbins' method of mixtures. For a candidate rate p, M_n(p) = ∫ L_n(q) / L_n(p) dπ_p(q) (L_n the
// Bernoulli likelihood) is a non-negative martingale with mean 1 when p is the true rate, so by Ville's inequality
// P(∃n: M_n(p) ≥ 1/alpha) ≤ alpha, and {p : M_n(p) < 1/alpha} is a confidence sequence. Because Bernoulli mixtures
// depend on the data only through (successes, trials), the interval is a function of the counts alone.
//
// Mixing distribution π_p: 90% on two alternatives a fixed step either side of p on the arcsine scale (where a rate's
// standard error is the same everywhere), 10% on a uniform Beta(1, 1). A plain Beta prior (uniform, Jeffreys, or
// centred on p) spends its mass on alternatives the budget can never tell apart: with alpha 0.05 over two variants it
// needs ~120 (centred) to ~140 (uniform) repetitions per variant to separate 96% from 70% nine times in ten. The step
// (about 3 standard errors at 100 repetitions, the lab's scale) gets there in ~104. The uniform part keeps short runs
// sensible (at alpha 0.025, 20 survivors of 20 give low ≈ 0.66 rather than 0.58 with the two alternatives alone).
// π_p may depend on the hypothesis p but never on the data, which is all the martingale argument needs.

export interface Interval {
  low: number;
  high: number;
}

export interface SequentialDecision {
  stop: boolean;
  /** separated: the best variant's interval lies wholly above every other's; precise: every variant's interval is narrower than precision. */
  reason: 'separated' | 'precise' | null;
  /** Highest point estimate (ties: the first listed); null when no variant has a repetition yet. */
  best: string | null;
  runnerUp: string | null;
  intervals: Record<string, { low: number; high: number; rate: number | null }>;
  alphaPerVariant: number;
}

export interface VariantCounts {
  name: string;
  successes: number;
  trials: number;
}

/** Step either side of p, in radians of asin(√p): ≈ 0.3·√(p(1−p)) in rate, i.e. 3 standard errors at 100 trials. */
const ARCSINE_STEP = 0.15;
/** Share of the mixture on the two stepped alternatives; the rest is uniform. */
const POINT_WEIGHT = 0.9;
const BISECTION_STEPS = 50;

// Lanczos approximation (g = 7, 9 terms): ~15 significant digits for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  // The series is accurate for x ≥ 0.5; below that, reflect: Γ(x)Γ(1−x) = π / sin(πx).
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  const t = z + 7.5;
  let series = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) series += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(series);
}

export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** log of q^successes (1−q)^failures; 0·log 0 counts as 0 so the edges need no special case. */
function logLikelihood(successes: number, failures: number, q: number): number {
  return (successes > 0 ? successes * Math.log(q) : 0) + (failures > 0 ? failures * Math.log1p(-q) : 0);
}

function logSumExp(terms: number[]): number {
  const max = Math.max(...terms);
  if (max === -Infinity) return -Infinity;
  return max + Math.log(terms.reduce((sum, term) => sum + Math.exp(term - max), 0));
}

/** The two alternatives mixed over when testing p; near 0 or 1 the step is halved towards the edge so both stay inside (0, 1). */
function alternativesAround(p: number): [number, number] {
  const angle = Math.asin(Math.sqrt(p));
  const down = Math.max(angle - ARCSINE_STEP, angle / 2);
  const up = Math.min(angle + ARCSINE_STEP, (angle + Math.PI / 2) / 2);
  return [Math.sin(down) ** 2, Math.sin(up) ** 2];
}

/** log M_n(p), given the uniform part's marginal likelihood (it does not depend on p, so it is computed once). */
function logMixtureRatio(successes: number, failures: number, p: number, logUniformMarginal: number): number {
  const [down, up] = alternativesAround(p);
  const mixture = logSumExp([
    Math.log(POINT_WEIGHT / 2) + logLikelihood(successes, failures, down),
    Math.log(POINT_WEIGHT / 2) + logLikelihood(successes, failures, up),
    Math.log(1 - POINT_WEIGHT) + logUniformMarginal,
  ]);
  return mixture - logLikelihood(successes, failures, p);
}

/**
 * Bisects [inside, outside] for where M_n crosses 1/alpha and returns the outside end, so rounding only widens the
 * interval. The set {p : M_n(p) < 1/alpha} is one interval around the point estimate (checked numerically for
 * n ≤ 300 and alpha from 0.001 to 0.5), so the crossing is unique.
 */
function boundary(isInside: (p: number) => boolean, inside: number, outside: number): number {
  for (let step = 0; step < BISECTION_STEPS; step++) {
    const middle = (inside + outside) / 2;
    if (isInside(middle)) inside = middle;
    else outside = middle;
  }
  return outside;
}

function computeConfidenceSequence(successes: number, trials: number, alpha: number): Interval {
  if (trials === 0) return { low: 0, high: 1 };
  const failures = trials - successes;
  const logUniformMarginal = logBeta(1 + successes, 1 + failures); // Beta(1, 1) prior: logBeta(1, 1) = 0
  const threshold = Math.log(1 / alpha);
  const isInside = (p: number) => logMixtureRatio(successes, failures, p, logUniformMarginal) < threshold;
  // The estimate is always inside: there every likelihood ratio is ≤ 1, so M_n ≤ 1 < 1/alpha.
  const estimate = successes / trials;
  // With no failures (or no successes) the likelihood is largest at the edge itself, which is then inside.
  return {
    low: successes === 0 ? 0 : boundary(isInside, estimate, 0),
    high: failures === 0 ? 1 : boundary(isInside, estimate, 1),
  };
}

function checkCounts(successes: number, trials: number): void {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials) {
    throw new RangeError(`bad count ${successes} of ${trials}`);
  }
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must lie in (0, 1), got ${alpha}`);
}

// The rule is re-evaluated after every round on counts it has mostly seen before; the bound keeps a long-lived process small.
const cache = new Map<string, Interval>();
const CACHE_LIMIT = 100_000;

/**
 * Time-uniform confidence sequence for a Bernoulli rate: P(∃n: p ∉ CS_n) ≤ alpha under continuous monitoring.
 * trials = 0 gives [0, 1].
 */
export function confidenceSequence(successes: number, trials: number, alpha: number): Interval {
  checkCounts(successes, trials);
  checkAlpha(alpha);
  const key = `${successes}/${trials}/${alpha}`;
  let interval = cache.get(key);
  if (interval === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    interval = computeConfidenceSequence(successes, trials, alpha);
    cache.set(key, interval);
  }
  return { low: interval.low, high: interval.high };
}

/** Variants with at least one repetition, highest rate first; the sort is stable, so ties keep the listed order. */
function rankByRate(variants: VariantCounts[]): VariantCounts[] {
  return variants.filter((v) => v.trials > 0).sort((a, b) => b.successes / b.trials - a.successes / a.trials);
}

/**
 * Whether `--reps auto` may stop after this round. Each of the k variants gets an alpha/k confidence sequence
 * (Bonferroni), so all k intervals hold at once, at every round, with probability ≥ 1 − alpha.
 */
export function sequentialDecision(variants: VariantCounts[], options: { alpha?: number; precision?: number } = {}): SequentialDecision {
  const alpha = options.alpha ?? 0.05;
  const { precision } = options;
  checkAlpha(alpha);
  if (precision !== undefined && !(precision > 0)) throw new RangeError(`precision must be positive, got ${precision}`);
  if (variants.length === 0) throw new RangeError('no variants to decide between');
  if (new Set(variants.map((v) => v.name)).size !== variants.length) throw new RangeError('variant names must be unique');

  const alphaPerVariant = alpha / variants.length;
  const intervals = Object.fromEntries(
    variants.map((v) => [v.name, { ...confidenceSequence(v.successes, v.trials, alphaPerVariant), rate: v.trials > 0 ? v.successes / v.trials : null }]),
  );
  const ranked = rankByRate(variants);
  const best = ranked[0]?.name ?? null;
  const runnerUp = ranked[1]?.name ?? null;

  // A variant without repetitions has [0, 1], which nothing lies above, so it blocks separation by itself.
  const separated =
    best !== null && variants.length > 1 && variants.every((v) => v.name === best || intervals[best]!.low > intervals[v.name]!.high);
  const precise = precision !== undefined && variants.every((v) => intervals[v.name]!.high - intervals[v.name]!.low < precision);
  const reason = separated ? 'separated' : precise ? 'precise' : null;
  return { stop: reason !== null, reason, best, runnerUp, intervals, alphaPerVariant };
}
