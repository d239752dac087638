// Which fix to ship: among the variants whose survival cannot be told apart from the best's, the cheapest that was
// not slowed; said in at most four sentences (what to ship, the runner-up, how sure, the next experiment). Pure.
import { limitAtRequest, type Results, type VariantSummary } from '../model/results.js';
import { contendersOf, formatBytes, formatRate, headroomShare, zForConfidence } from './stats.js';
import { commonestKill } from './why.js';

export interface RankedVariant {
  summary: VariantSummary;
  rank: number;
  /** Share of the limit left at the median peak; null without memory samples. */
  headroom: number | null;
  /** Its survival rate lies inside the best variant's 95% interval: the repetitions cannot tell the two apart. */
  contender: boolean;
  /** Most of its surviving repetitions were slowed (lab/analyse/cost.ts). */
  slowed: boolean;
  /** The largest of its p50, p95, GC cycles and GC share, each over the cheapest contender's; null for no survivor. */
  cost: number | null;
}

/** The one definition of headroom the reports use: the share of the limit left at the median peak. */
export function headroomOf(v: VariantSummary): number | null {
  return v.peakMemoryMedianBytes === null ? null : headroomShare(v.peakMemoryMedianBytes, limitAtRequest(v));
}

/** Below this survival rate the best variant is not called a fix to ship. */
const RELIABLE = 0.5;
/** Costs closer than this share to the cheapest contender's are a tie, which survival then breaks. */
const COST_TIE = 0.1;

const COST_FIGURES: ((v: VariantSummary) => number | null)[] = [(v) => v.latencyMs.p50, (v) => v.latencyMs.p95, (v) => v.gcCyclesMedian, (v) => v.gcCpuShareMedian];

/** Each figure over the lowest among `reference`, the largest of those ratios: 1 is the cheapest on every count. */
function relativeCost(v: VariantSummary, reference: VariantSummary[]): number | null {
  const ratios = COST_FIGURES.flatMap((figure) => {
    const own = figure(v);
    const lows = reference.map(figure).filter((value): value is number => value !== null && value > 0);
    return own === null || lows.length === 0 ? [] : [own / Math.min(...lows)];
  });
  return ratios.length ? Math.max(...ratios) : null;
}

/**
 * Order: contenders (survival inside the leader's interval) first, those not slowed before the slowed, then those
 * within 10% of the cheapest by survival, then the rest by cost; then everything else by survival evidence.
 */
export function rankVariants(variants: VariantSummary[]): RankedVariant[] {
  const run = variants.filter((v) => v.repetitions > 0);
  const isContender = contendersOf(run, (v) => v.survival);
  const contenders = run.filter(isContender);
  const scored = run.map((summary) => ({
    summary,
    headroom: headroomOf(summary),
    contender: isContender(summary),
    slowed: summary.slowedRepetitions * 2 > summary.survivedRepetitions,
    cost: summary.survivedRepetitions > 0 ? relativeCost(summary, contenders) : null,
  }));
  // Costs within COST_TIE of the cheapest count as the same: among those, the better survival leads.
  const cheapest = Math.min(...scored.filter((entry) => entry.contender && !entry.slowed).map((entry) => entry.cost ?? Infinity));
  const nearCheapest = (entry: (typeof scored)[number]) => entry.contender && !entry.slowed && (entry.cost ?? Infinity) <= cheapest * (1 + COST_TIE);
  scored.sort(
    (a, b) =>
      Number(b.contender) - Number(a.contender) ||
      Number(a.slowed) - Number(b.slowed) ||
      Number(nearCheapest(b)) - Number(nearCheapest(a)) ||
      (a.contender && !nearCheapest(a) ? (a.cost ?? Infinity) - (b.cost ?? Infinity) : 0) ||
      b.summary.survival.low - a.summary.survival.low ||
      (b.summary.survival.rate ?? 0) - (a.summary.survival.rate ?? 0) ||
      (a.cost ?? Infinity) - (b.cost ?? Infinity),
  );
  return scored.map((entry, index) => ({ ...entry, rank: index + 1 }));
}

const percent = (share: number) => `${Math.round(share * 100)}%`;
/** A variant peaking this close to its limit still dies at some rate, whatever a few repetitions showed. */
const NEAR_LIMIT = 0.02;

function evidence(entry: RankedVariant): string {
  const v = entry.summary;
  const parts = [formatRate(v.survivedRepetitions, v.repetitions)];
  if (v.latencyMs.p50 !== null) parts.push(`p50 ${(v.latencyMs.p50 / 1000).toFixed(1)} s`);
  if (v.gcCyclesMedian !== null) parts.push(`${trim(v.gcCyclesMedian)} GC cycles`);
  if (v.peakMemoryMedianBytes !== null) parts.push(`median peak ${formatBytes(v.peakMemoryMedianBytes)}`);
  return parts.join(', ');
}

const trim = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/**
 * Repetitions per variant for a two-sided 5% test to tell two survival rates apart with 80% power (normal
 * approximation to two proportions); null when the rates are equal, so no number of repetitions would.
 */
export function repsToSeparate(p1: number, p2: number, power = 0.8, alpha = 0.05): number | null {
  if (Math.abs(p1 - p2) < 1e-9) return null;
  const zAlpha = zForConfidence(1 - alpha);
  const zBeta = zForConfidence(2 * power - 1);
  const mean = (p1 + p2) / 2;
  const n = (zAlpha * Math.sqrt(2 * mean * (1 - mean)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p1 - p2) ** 2;
  return Math.max(2, Math.ceil(n));
}

export interface VerdictContext {
  /** Median seconds per repetition here, and how many ran at once: the next experiment's time. */
  repetitionSeconds: number | null;
  parallel: number;
  /** Deaths, and those from starved repetitions (lab/model/starved.ts). */
  deaths: number;
  starvedDeaths: number;
  /** Repetitions still harness faults after their retries. */
  harnessFaults: number;
  /** The commonest class of OOM kill (lab/analyse/why.ts), with its count; null without kills. */
  commonestKill: { kind: string; count: number; of: number } | null;
}

/** What the run's records say about how sure the numbers are, for the verdict's third sentence. */
export function verdictContext(results: Pick<Results, 'runs' | 'environment' | 'execution'>): VerdictContext {
  const deaths = results.runs.filter((run) => run.outcome === 'oom-killed' || run.outcome === 'failed');
  return {
    repetitionSeconds: results.environment.timings.repetitionMedianSeconds ?? null,
    parallel: results.execution?.parallel ?? 1,
    deaths: deaths.length,
    starvedDeaths: deaths.filter((run) => run.contention?.starvedBecause).length,
    harnessFaults: results.runs.filter((run) => run.outcome === 'harness-fault').length,
    commonestKill: commonestKill(results.runs),
  };
}

function shipSentence(pick: RankedVariant, ranked: RankedVariant[]): string {
  const contenders = ranked.filter((r) => r.contender).length;
  const why = contenders > 1 ? `, among the cheapest (within 10%) of the ${contenders} variants whose survival cannot be told apart from the best's` : ', the best survival';
  if ((pick.summary.survival.rate ?? 0) < RELIABLE) return `Nothing here survives reliably: the best, ${pick.summary.name}, survived ${evidence(pick)}, so no fix tried can be shipped on this evidence.`;
  if (pick.slowed) return `Only slowed variants survive reliably: ${pick.summary.name} survived ${evidence(pick)}, but most of its survivors were slowed (see the outcomes), so treat it as a stopgap.`;
  return `Ship ${pick.summary.name}: survived ${evidence(pick)}${why}.`;
}

function runnerUpSentence(pick: RankedVariant, ranked: RankedVariant[], baselineName: string, context: VerdictContext): string {
  const runnerUp = ranked.find((r) => r !== pick && r.summary.survivedRepetitions > 0);
  const baseline = ranked.find((r) => r.summary.name === baselineName && r !== pick);
  const others = ranked.length - 1 - (runnerUp ? 1 : 0) - (baseline && baseline !== runnerUp ? 1 : 0);
  const parts: string[] = [];
  if (runnerUp) {
    const cost = runnerUp.cost !== null && pick.cost ? `, cost ×${(runnerUp.cost / pick.cost).toFixed(1)}` : '';
    parts.push(`Runner-up: ${runnerUp.summary.name} (${formatRate(runnerUp.summary.survivedRepetitions, runnerUp.summary.repetitions)}${cost}${runnerUp.slowed ? ', slowed' : ''})`);
  }
  if (baseline && baseline !== runnerUp) parts.push(`${baselineName} survived ${formatRate(baseline.summary.survivedRepetitions, baseline.summary.repetitions)}`);
  if (others > 0) parts.push(`${others} other${others === 1 ? ' is' : 's are'} in the table`);
  const kill = context.commonestKill;
  if (kill) parts.push(kill.count === kill.of ? `every OOM kill: ${kill.kind}` : `most OOM kills: ${kill.kind} (${kill.count} of ${kill.of})`);
  return parts.length ? `${parts.join('; ')}.` : '';
}

function surenessSentence(pick: RankedVariant, context: VerdictContext): string {
  const v = pick.summary;
  const parts = [`With ${v.repetitions} repetitions its survival lies between ${percent(v.survival.low)} and ${percent(v.survival.high)} (95%)`];
  if (pick.headroom !== null && pick.headroom < NEAR_LIMIT) parts.push(`it peaks within ${percent(NEAR_LIMIT)} of the limit, where repetitions still die at some rate`);
  if (context.starvedDeaths > 0) {
    parts.push(context.starvedDeaths === context.deaths
      ? `all ${context.deaths} deaths came from starved repetitions, so rerun with --parallel 1 before blaming the service`
      : `${context.starvedDeaths} of the ${context.deaths} deaths came from starved repetitions`);
  }
  if (context.harnessFaults > 0) parts.push(`${context.harnessFaults} repetition${context.harnessFaults === 1 ? '' : 's'} stayed harness faults after retries and count nowhere`);
  return `${parts.join('; ')}.`;
}

function nextSentence(pick: RankedVariant, ranked: RankedVariant[], context: VerdictContext): string {
  const rival = ranked.find((r) => r !== pick && r.contender) ?? ranked.find((r) => r !== pick && r.summary.survivedRepetitions > 0);
  if (!rival) return '';
  const reps = repsToSeparate(pick.summary.survival.rate ?? 0, rival.summary.survival.rate ?? 0);
  if (reps === null) return `Next: ${pick.summary.name} and ${rival.summary.name} survived alike, so more repetitions will not order them; their cost does.`;
  if (reps <= Math.min(pick.summary.repetitions, rival.summary.repetitions)) return '';
  const minutes = context.repetitionSeconds === null ? '' : ` (about ${Math.max(1, Math.round((reps * 2 * context.repetitionSeconds) / Math.max(1, context.parallel) / 60))} min here)`;
  return `Next: to tell ${pick.summary.name} from ${rival.summary.name} apart at 80% power, run --variants ${pick.summary.name},${rival.summary.name} --reps ${reps}${minutes}.`;
}

/** At most four sentences: what to ship and why, the runner-up, how sure, and the next experiment. */
export function recommendation(variants: VariantSummary[], context: VerdictContext, baselineName = 'baseline'): string {
  const ranked = rankVariants(variants);
  if (ranked.length === 0) return 'No variant has results yet.';
  const pick = ranked[0]!;
  if (pick.summary.survivedRepetitions === 0) return `No variant survived: none of ${ranked.map((r) => r.summary.name).join(', ')} returned the body under this limit.`;
  return [shipSentence(pick, ranked), runnerUpSentence(pick, ranked, baselineName, context), surenessSentence(pick, context), nextSentence(pick, ranked, context)].filter(Boolean).join(' ');
}
