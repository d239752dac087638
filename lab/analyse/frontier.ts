// The OOM-frontier search: bisection on noisy pass/fail probes, over body size (the largest that survives) or over
// the memory limit (the smallest that holds: sizing). Pure, so it can be tested against a simulated service; the
// pipeline runs the probes it asks for.
import type { FrontierSpec } from '../model/scenario.js';
import type { Frontier, FrontierProbe } from '../model/results.js';
import { wilsonInterval } from './stats.js';

export function startFrontier(variant: string, memoryLimitBytes: number, spec: FrontierSpec): Frontier {
  return {
    over: spec.over,
    variant,
    memoryLimitBytes,
    targetSurvival: spec.targetSurvival,
    repsPerProbe: spec.repsPerProbe,
    resolutionMiB: spec.resolutionMiB,
    probes: [],
    frontierMiB: null,
    failedMiB: null,
    status: 'incomplete',
    usagePeakBytes: null,
  };
}

/** The end expected to pass first, and the one expected to fail: a small body and a large limit are safe. */
function ends(spec: FrontierSpec): { safe: number; risky: number; towardsRisky: 1 | -1 } {
  return spec.over === 'bodyMiB' ? { safe: spec.minMiB, risky: spec.maxMiB, towardsRisky: 1 } : { safe: spec.maxMiB, risky: spec.minMiB, towardsRisky: -1 };
}

/** Midpoints land on a 0.5 MiB grid so names and charts stay readable. */
const onGrid = (mib: number) => Math.round(mib * 2) / 2;

/** The next value to probe, or null when the search is over. */
export function nextProbeSize(state: Frontier, spec: FrontierSpec): number | null {
  if (state.status !== 'incomplete') return null;
  const { safe, risky } = ends(spec);
  if (state.probes.length === 0) return safe;
  if (state.failedMiB === null) return risky; // only the safe end has passed so far
  const passing = state.frontierMiB!;
  const mid = onGrid((passing + state.failedMiB) / 2);
  const inside = Math.min(passing, state.failedMiB) < mid && mid < Math.max(passing, state.failedMiB);
  return inside ? mid : null;
}

export function probeOutcome(variant: string, valueMiB: number, survived: number, repetitions: number, targetSurvival: number, peakBytes: number | null = null): FrontierProbe {
  return {
    valueMiB,
    variant,
    repetitions,
    survivedRepetitions: survived,
    survival: wilsonInterval(survived, repetitions),
    // A tiny epsilon: 9/10 must count as 90%.
    passed: repetitions > 0 && survived / repetitions >= targetSurvival - 1e-9,
    peakBytes,
  };
}

/** Folds one probe into the search: the bracket between frontierMiB and failedMiB narrows around the frontier. */
export function recordProbe(state: Frontier, probe: FrontierProbe, spec: FrontierSpec): Frontier {
  const { risky, towardsRisky } = ends(spec);
  // Nearer the risky end: larger for bodies, smaller for limits.
  const riskier = (a: number, b: number) => (towardsRisky * (a - b) > 0 ? a : b);
  const safer = (a: number, b: number) => (riskier(a, b) === a ? b : a);
  const next: Frontier = { ...state, probes: [...state.probes, probe] };
  if (probe.passed) next.frontierMiB = next.frontierMiB === null ? probe.valueMiB : riskier(next.frontierMiB, probe.valueMiB);
  else next.failedMiB = next.failedMiB === null ? probe.valueMiB : safer(next.failedMiB, probe.valueMiB);
  const first = next.probes.length === 1;
  if (first && !probe.passed) next.status = 'below-range';
  else if (probe.passed && probe.valueMiB === risky) next.status = 'above-range';
  else if (next.failedMiB !== null && next.frontierMiB !== null && Math.abs(next.failedMiB - next.frontierMiB) <= spec.resolutionMiB) next.status = 'bracketed';
  return next;
}

/** Closes a search that ran out of probes with a bracket wider than the resolution (noise broke bisection's order). */
export function finishFrontier(state: Frontier): Frontier {
  if (state.status !== 'incomplete') return state;
  return state.frontierMiB !== null && state.failedMiB !== null ? { ...state, status: 'bracketed' } : state;
}

/** "survives ≥ 90% up to 96 MiB; misses it at 100 MiB", or for a limit "holds ≥ 95% from 470 MiB; misses it at 450 MiB". */
export function describeFrontier(frontier: Frontier): string {
  const target = `${Math.round(frontier.targetSurvival * 100)}%`;
  const limit = frontier.over === 'memoryLimit';
  switch (frontier.status) {
    case 'bracketed':
      return limit
        ? `holds ≥ ${target} from a ${frontier.frontierMiB} MiB limit; misses it at ${frontier.failedMiB} MiB`
        : `survives ≥ ${target} up to ${frontier.frontierMiB} MiB; misses it at ${frontier.failedMiB} MiB`;
    case 'below-range':
      return limit ? `misses ${target} survival even at the largest limit, ${frontier.failedMiB} MiB` : `misses ${target} survival even at the smallest size, ${frontier.failedMiB} MiB`;
    case 'above-range':
      return limit ? `holds ≥ ${target} even at the smallest limit, ${frontier.frontierMiB} MiB` : `survives ≥ ${target} even at the largest size, ${frontier.frontierMiB} MiB`;
    default:
      return `search incomplete after ${frontier.probes.length} probe(s)`;
  }
}
