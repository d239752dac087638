// What surviving cost: a repetition that answered is slowed when it paid far more than the cheapest survivor of its
// run, in latency or GC cycles, or when its GC took a large share of the CPU. Pure.
import type { RequestGc, RunRecord } from '../model/results.js';
import { judged } from './outcome.js';
import { contendersOf, max, median, wilsonInterval } from './stats.js';

/**
 * The slowed rule's factors (README, "Slowed: the factors, from data"). Latency: ratios 0.8–1.0 of the death-spiral
 * sweep ran within 1.3× of the cheapest survivor, 0.3–0.5 at 1.6–3×. GC cycles: the seed's survivors run 5–7 per
 * request; the spiral's 0.3 runs 25–28. GC share: Go's limiter caps the GC near 50%; calm survivors stay under 25%.
 */
export const SLOWED = { latency: 1.5, gcCycles: 3, gcShare: 0.4 } as const;

/** The highest GC share of CPU over a repetition's requests; null without per-request metrics. */
export function gcCpuShareMax(requests: readonly RequestGc[]): number | null {
  return max(requests.flatMap((request) => (request.gcCpuShare === null ? [] : [request.gcCpuShare])));
}

export interface RunCost {
  p50Ms: number | null;
  gcCyclesPerRequest: number | null;
  gcCpuShareMax: number | null;
  limiterOn: boolean;
}

export function runCost(run: RunRecord): RunCost {
  const answered = run.requests.filter((request) => request.errorKind === null);
  const cycles = run.processes.reduce((sum, process) => sum + process.gcCycles.filter((cycle) => !cycle.forced).length, 0);
  return {
    p50Ms: median(answered.map((request) => request.latencyMs)),
    gcCyclesPerRequest: answered.length && cycles ? cycles / answered.length : null,
    gcCpuShareMax: run.gcCpuShareMax,
    limiterOn: run.processes.some((process) => process.requestMetrics.some((request) => request.limiterOn === true)),
  };
}

export interface Cheapest {
  variant: string;
  p50Ms: number;
  gcCyclesPerRequest: number | null;
}

/**
 * The reference the others are measured against: among the variants whose survival rate lies inside the best one's
 * 95% interval (the ones the verdict chooses between), the one with the lowest median latency, and its medians.
 */
export function cheapestSurvivor(runs: readonly RunRecord[]): Cheapest | null {
  const byVariant = new Map<string, RunRecord[]>();
  for (const run of judged(runs)) byVariant.set(run.variant, [...(byVariant.get(run.variant) ?? []), run]);
  const survival = new Map([...byVariant].map(([variant, own]) => [variant, wilsonInterval(own.filter((run) => run.survived).length, own.length)]));
  const contends = contendersOf([...survival.keys()], (variant) => survival.get(variant)!);
  let best: Cheapest | null = null;
  for (const [variant, own] of byVariant) {
    if (!contends(variant)) continue;
    const costs = own.filter((run) => run.survived).map(runCost);
    const p50Ms = median(costs.flatMap((cost) => (cost.p50Ms === null ? [] : [cost.p50Ms])));
    if (p50Ms === null || (best && best.p50Ms <= p50Ms)) continue;
    best = { variant, p50Ms, gcCyclesPerRequest: median(costs.flatMap((cost) => (cost.gcCyclesPerRequest === null ? [] : [cost.gcCyclesPerRequest]))) };
  }
  return best;
}

const times = (ratio: number) => `${ratio.toFixed(1)}×`;

/** Why a surviving repetition counts as slowed, or null. */
export function slowedBecause(cost: RunCost, cheapest: Cheapest | null): string | null {
  const reasons: string[] = [];
  if (cheapest && cost.p50Ms !== null && cost.p50Ms > SLOWED.latency * cheapest.p50Ms) {
    reasons.push(`p50 ${(cost.p50Ms / 1000).toFixed(1)} s, ${times(cost.p50Ms / cheapest.p50Ms)} ${cheapest.variant}'s`);
  }
  if (cheapest?.gcCyclesPerRequest && cost.gcCyclesPerRequest !== null && cost.gcCyclesPerRequest > SLOWED.gcCycles * cheapest.gcCyclesPerRequest) {
    reasons.push(`${cost.gcCyclesPerRequest.toFixed(0)} GC cycles per request, ${times(cost.gcCyclesPerRequest / cheapest.gcCyclesPerRequest)} ${cheapest.variant}'s`);
  }
  if (cost.gcCpuShareMax !== null && cost.gcCpuShareMax >= SLOWED.gcShare) reasons.push(`the GC took ${Math.round(cost.gcCpuShareMax * 100)}% of the CPU`);
  if (cost.limiterOn) reasons.push("Go's GC CPU limiter was on");
  return reasons.length ? reasons.join('; ') : null;
}

/** The run's surviving repetitions re-judged against its cheapest survivor: survived, or slowed with why. */
export function judgeCost(runs: readonly RunRecord[]): RunRecord[] {
  const cheapest = cheapestSurvivor(runs);
  return runs.map((run) => {
    if (!run.survived) return run;
    const why = slowedBecause(runCost(run), cheapest);
    if (why) return { ...run, outcome: 'slowed', cause: `slowed: ${why}` };
    return { ...run, outcome: 'survived', cause: run.outcome === 'slowed' ? `${run.successes}/${run.attempts} requests answered whole` : run.cause };
  });
}
