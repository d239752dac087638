// The OOM-frontier search: bisection over body size on noisy pass/fail probes. Pure, so it can be tested
// against a simulated service; the pipeline runs the probes it asks for.
import type { FrontierSpec } from '../model/scenario.js';
import type { Frontier, FrontierProbe } from '../model/results.js';
import { wilsonInterval } from './stats.js';

export function startFrontier(variant: string, memoryLimitBytes: number, spec: FrontierSpec): Frontier {
  return {
    variant,
    memoryLimitBytes,
    targetSurvival: spec.targetSurvival,
    repsPerProbe: spec.repsPerProbe,
    resolutionMiB: spec.resolutionMiB,
    probes: [],
    frontierMiB: null,
    failedMiB: null,
    status: 'incomplete',
  };
}

/** Midpoints land on a 0.5 MiB grid so names and charts stay readable. */
const onGrid = (mib: number) => Math.round(mib * 2) / 2;

/** The next body size to probe, or null when the search is over. */
export function nextProbeSize(state: Frontier, spec: FrontierSpec): number | null {
  if (state.status !== 'incomplete') return null;
  if (state.probes.length === 0) return spec.minMiB;
  if (state.failedMiB === null) return spec.maxMiB; // only the minimum has passed so far
  const low = state.frontierMiB!;
  const mid = onGrid((low + state.failedMiB) / 2);
  return mid > low && mid < state.failedMiB ? mid : null;
}

export function probeOutcome(variant: string, bodyMiB: number, survived: number, repetitions: number, targetSurvival: number): FrontierProbe {
  return {
    bodyMiB,
    variant,
    repetitions,
    survivedRepetitions: survived,
    survival: wilsonInterval(survived, repetitions),
    // A tiny epsilon: 9/10 must count as 90%.
    passed: repetitions > 0 && survived / repetitions >= targetSurvival - 1e-9,
  };
}

/** Folds one probe into the search: the bracket [frontierMiB, failedMiB) narrows around the frontier. */
export function recordProbe(state: Frontier, probe: FrontierProbe, spec: FrontierSpec): Frontier {
  const next: Frontier = { ...state, probes: [...state.probes, probe] };
  if (probe.passed) next.frontierMiB = Math.max(next.frontierMiB ?? -Infinity, probe.bodyMiB);
  else next.failedMiB = Math.min(next.failedMiB ?? Infinity, probe.bodyMiB);
  const first = next.probes.length === 1;
  if (first && !probe.passed) next.status = 'below-range';
  else if (probe.passed && probe.bodyMiB >= spec.maxMiB) next.status = 'above-range';
  else if (next.failedMiB !== null && next.frontierMiB !== null && next.failedMiB - next.frontierMiB <= spec.resolutionMiB) next.status = 'bracketed';
  return next;
}

/** Closes a search that ran out of probes with a bracket wider than the resolution (noise broke bisection's order). */
export function finishFrontier(state: Frontier): Frontier {
  if (state.status !== 'incomplete') return state;
  return state.frontierMiB !== null && state.failedMiB !== null ? { ...state, status: 'bracketed' } : state;
}

/** "≥ 90% survival up to 96 MiB (fails at 100 MiB)". */
export function describeFrontier(frontier: Frontier): string {
  const target = `${Math.round(frontier.targetSurvival * 100)}%`;
  switch (frontier.status) {
    case 'bracketed':
      return `survives ≥ ${target} up to ${frontier.frontierMiB} MiB; misses it at ${frontier.failedMiB} MiB`;
    case 'below-range':
      return `misses ${target} survival even at the smallest size, ${frontier.failedMiB} MiB`;
    case 'above-range':
      return `survives ≥ ${target} even at the largest size, ${frontier.frontierMiB} MiB`;
    default:
      return `search incomplete after ${frontier.probes.length} probe(s)`;
  }
}
