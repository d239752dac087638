// Sizing: what limits.memory a variant needs (the smallest limit that held), beside what usage-based sizing
// (a recommender's peak + 15%) would give and the largest limit that missed the target.
import { formatRate } from '../analyse/stats.js';
import type { Frontier, Results } from '../model/results.js';
import { DASH } from './format.js';

/** Vertical Pod Autoscaler and Goldilocks recommend a high percentile of observed usage plus a margin. */
export const USAGE_MARGIN = 0.15;
/** The first probe must leave the service unconstrained: at least this many times its peak. */
export const GENEROUS_FACTOR = 4;

const MiB = 2 ** 20;
const mib = (value: number | null) => (value === null ? DASH : `${value} MiB`);

export function usageBasedMiB(frontier: Frontier): number | null {
  return frontier.usagePeakBytes === null ? null : Math.ceil((frontier.usagePeakBytes * (1 + USAGE_MARGIN)) / MiB);
}

function gomemlimitOf(results: Results, frontier: Frontier): string {
  const probe = results.variants.find((variant) => variant.name === frontier.probes[0]?.variant);
  const ratio = probe && probe.gomemlimitBytes !== null ? probe.gomemlimitBytes / probe.memoryLimitBytes : null;
  return ratio === null ? 'none' : `${Math.round(ratio * 100)}% of the limit`;
}

/** How the limit a variant needs compares with usage-based sizing: the lab's distinctive answer. */
function usageVerdict(frontier: Frontier): string {
  const usage = usageBasedMiB(frontier);
  if (usage === null || frontier.frontierMiB === null) return DASH;
  if (frontier.failedMiB !== null && usage <= frontier.failedMiB) return `too small (the target was missed at ${frontier.failedMiB} MiB)`;
  if (usage < frontier.frontierMiB) return 'below the limit that held: untested ground';
  return 'holds';
}

export function sizingTable(results: Results): { title: string; header: string[]; rows: string[][]; note: string } | null {
  const frontiers = (results.frontier ?? []).filter((f) => f.over === 'memoryLimit');
  if (frontiers.length === 0) return null;
  const [first] = frontiers;
  const rows = frontiers.map((f) => {
    const holding = f.probes.find((probe) => probe.valueMiB === f.frontierMiB) ?? null;
    const failing = f.probes.find((probe) => probe.valueMiB === f.failedMiB) ?? null;
    const generous = f.probes[0];
    const factor = f.usagePeakBytes && generous ? (generous.valueMiB * MiB) / f.usagePeakBytes : null;
    const usage = usageBasedMiB(f);
    return [
      f.variant,
      gomemlimitOf(results, f),
      mib(f.frontierMiB),
      f.frontierMiB !== null && f.failedMiB !== null ? `[${f.frontierMiB}, ${f.failedMiB}) MiB` : DASH,
      holding ? formatRate(holding.survivedRepetitions, holding.repetitions) : DASH,
      holding?.peakBytes ? `${(holding.peakBytes / MiB).toFixed(1)} MiB` : DASH,
      usage === null ? DASH : `${usage} MiB${factor !== null && factor < GENEROUS_FACTOR ? ` (first limit only ${factor.toFixed(1)}× the peak)` : ''}: ${usageVerdict(f)}`,
      failing ? `${f.failedMiB} MiB (${failing.survivedRepetitions}/${failing.repetitions} survived)` : DASH,
    ];
  });
  return {
    title: 'Sizing',
    header: ['Variant', 'GOMEMLIMIT', 'Smallest limit that held', 'Bracket [holds, fails)', 'Survival there', 'Peak there', `Usage-based (peak + ${USAGE_MARGIN * 100}%)`, 'Misses the target at'],
    rows,
    note: `Bisection over limits.memory from ${first!.probes[0]?.valueMiB ?? '?'} MiB down; each probe is ${first!.repsPerProbe} fresh repetitions and holds when at least ${Math.round(first!.targetSurvival * 100)}% of them survive. Usage-based is what a recommender that sizes from observed usage (Kubernetes' Vertical Pod Autoscaler, Goldilocks) would set: the highest peak at the first, generous limit plus ${USAGE_MARGIN * 100}%. It does not know that Go's heap goal moves with the limit: with GOMEMLIMIT the peak follows the limit down, so usage under a generous limit says little about the smallest limit that holds.`,
  };
}

/** "Set limits.memory to at least 470 MiB with limit-90 (GOMEMLIMIT at 90% of the limit), or 560 MiB with baseline (none)." */
export function sizingSentence(results: Results): string | null {
  const frontiers = (results.frontier ?? []).filter((f) => f.over === 'memoryLimit' && f.frontierMiB !== null && f.status !== 'above-range');
  if (frontiers.length === 0) return null;
  const sorted = [...frontiers].sort((a, b) => a.frontierMiB! - b.frontierMiB!);
  const parts = sorted.map((f) => `${f.frontierMiB} MiB with ${f.variant} (GOMEMLIMIT ${gomemlimitOf(results, f)})`);
  return `Set limits.memory to at least ${parts.join(', or ')}; each held ≥ ${Math.round(sorted[0]!.targetSurvival * 100)}% of its repetitions there.`;
}
