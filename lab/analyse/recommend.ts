// Which fix to ship: ranks a run's variants on what was measured and says why, in one paragraph. Pure.
import { limitAtRequest, type VariantSummary } from '../model/results.js';
import { formatBytes, formatHeadroom, formatRate, headroomShare } from './stats.js';
import { THRASH_GC_SHARE } from './thrash.js';

export interface RankedVariant {
  summary: VariantSummary;
  rank: number;
  /** Share of the limit left at the median peak; null without memory samples. */
  headroom: number | null;
}

/** The one definition of headroom the reports use: the share of the limit left at the median peak. */
export function headroomOf(v: VariantSummary): number | null {
  return v.peakMemoryMedianBytes === null ? null : headroomShare(v.peakMemoryMedianBytes, limitAtRequest(v));
}

/**
 * Order: the lower bound of the survival interval (what the repetitions can vouch for), then the survival rate,
 * then headroom at the median peak (more is safer), then median latency (less is better).
 */
export function rankVariants(variants: VariantSummary[]): RankedVariant[] {
  const scored = variants
    .filter((v) => v.repetitions > 0)
    .map((summary) => ({ summary, headroom: headroomOf(summary) }));
  scored.sort(
    (a, b) =>
      b.summary.survival.low - a.summary.survival.low ||
      (b.summary.survival.rate ?? 0) - (a.summary.survival.rate ?? 0) ||
      (b.headroom ?? -1) - (a.headroom ?? -1) ||
      (a.summary.latencyMs.p50 ?? Infinity) - (b.summary.latencyMs.p50 ?? Infinity),
  );
  return scored.map((entry, index) => ({ ...entry, rank: index + 1 }));
}

const percent = (share: number) => `${Math.round(share * 100)}%`;
/** Headroom closer than this (a share of the limit) counts as the same. */
const HEADROOM_TIE = 0.05;
/** A variant peaking this close to its limit still dies at some rate, whatever a few repetitions showed. */
const NEAR_LIMIT = 0.02;

function evidence(entry: RankedVariant): string {
  const v = entry.summary;
  const parts = [formatRate(v.survivedRepetitions, v.repetitions)];
  if (v.peakMemoryMedianBytes !== null) parts.push(`median peak ${formatBytes(v.peakMemoryMedianBytes)} (${formatHeadroom(entry.headroom ?? 0)})`);
  if (v.latencyMs.p50 !== null) parts.push(`p50 ${(v.latencyMs.p50 / 1000).toFixed(1)} s`);
  return parts.join(', ');
}

/** Two survival intervals overlap: the repetitions cannot tell the variants apart on survival alone. */
const overlaps = (a: VariantSummary, b: VariantSummary) => a.survival.low <= b.survival.high && b.survival.low <= a.survival.high;

/** One paragraph: what to ship, what else held, what did not help, and how sure the numbers are. */
export function recommendation(variants: VariantSummary[], baselineName = 'baseline'): string {
  const ranked = rankVariants(variants);
  const best = ranked[0];
  if (!best) return 'No variant has results yet.';
  if ((best.summary.survival.rate ?? 0) === 0) return `No variant survived: none of ${ranked.map((r) => r.summary.name).join(', ')} returned the body under this limit.`;
  const nearKill =
    best.headroom !== null && best.headroom < NEAR_LIMIT
      ? `, but it peaks within ${percent(NEAR_LIMIT)} of the limit, where repetitions still die at some rate: these ${best.summary.repetitions} leave up to ${percent(1 - best.summary.survival.low)} deaths possible (95% CI)`
      : '';
  const thrash = best.summary.thrashedRepetitions > 0
    ? `; it thrashed in ${formatRate(best.summary.thrashedRepetitions, best.summary.repetitions)} (the GC took at least ${percent(THRASH_GC_SHARE)} of the CPU, or its limiter was on): it survives by slowing down`
    : '';
  const sentences = [`Ship ${best.summary.name}: survived ${evidence(best)}${nearKill}${thrash}.`];
  const alsoHeld = ranked.slice(1).filter((r) => r.summary.survivedRepetitions === r.summary.repetitions);
  if (alsoHeld.length) {
    sentences.push(`Also survived every repetition: ${alsoHeld.map((r) => `${r.summary.name} (${evidence(r)})`).join('; ')}.`);
  }
  const tied = ranked.slice(1).filter((r) => overlaps(best.summary, r.summary) && r.summary.survivedRepetitions > 0);
  // Headroom far apart decides what survival alone cannot; close headroom leaves a genuine tie.
  const close = tied.filter((r) => best.headroom === null || r.headroom === null || Math.abs(best.headroom - r.headroom) < HEADROOM_TIE);
  const nearLimit = tied.filter((r) => !close.includes(r));
  if (nearLimit.length) {
    sentences.push(`Its survival interval overlaps those of ${nearLimit.map((r) => r.summary.name).join(', ')}, but they peak within ${percent(Math.max(...nearLimit.map((r) => r.headroom ?? 0)))} of the limit, where a little more data tips them over.`);
  }
  if (close.length) {
    sentences.push(`Survival and headroom cannot separate it from ${close.map((r) => r.summary.name).join(', ')} (overlapping 95% intervals); run more repetitions before relying on the order.`);
  }
  const baseline = variants.find((v) => v.name === baselineName);
  const didNotHelp = ranked.filter((r) => r.summary.name !== baselineName && r.summary.survivedRepetitions === 0).map((r) => r.summary.name);
  if (baseline && baseline.repetitions > 0) {
    sentences.push(`For comparison, ${baselineName} survived ${formatRate(baseline.survivedRepetitions, baseline.repetitions)} with ${baseline.oomKills} OOM kill${baseline.oomKills === 1 ? '' : 's'}.`);
  }
  if (didNotHelp.length) sentences.push(`Did not help here: ${didNotHelp.join(', ')} (no repetition survived).`);
  return sentences.join(' ');
}
