// Fisher's exact test on a 2×2 table: do two survival rates differ by more than chance allows?

function logFactorials(n: number): number[] {
  const table = [0];
  for (let i = 1; i <= n; i++) table.push(table[i - 1]! + Math.log(i));
  return table;
}

/**
 * Two-sided p-value for survivors a of n1 against b of n2, as R's fisher.test computes it: the sum of the
 * probabilities (under fixed margins, a hypergeometric law) of every table no more likely than the observed one.
 */
export function fisherExact(a: number, n1: number, b: number, n2: number): number {
  for (const [count, total] of [[a, n1], [b, n2]] as const) {
    if (!Number.isInteger(count) || !Number.isInteger(total) || count < 0 || count > total) throw new RangeError(`bad count ${count} of ${total}`);
  }
  const successes = a + b;
  const n = n1 + n2;
  const lf = logFactorials(n);
  const logProbability = (x: number) => lf[successes]! + lf[n - successes]! + lf[n1]! + lf[n2]! - lf[n]! - lf[x]! - lf[successes - x]! - lf[n1 - x]! - lf[n2 - successes + x]!;
  const observed = logProbability(a);
  let p = 0;
  for (let x = Math.max(0, successes - n2); x <= Math.min(successes, n1); x++) {
    const log = logProbability(x);
    // R's relative tolerance: tables as likely as the observed one, up to rounding, count as extreme.
    if (log <= observed + 1e-7) p += Math.exp(log);
  }
  return Math.min(1, p);
}
