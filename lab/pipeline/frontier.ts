// Runs the OOM-frontier search: per variant, bisection over body size or memory limit, each probe repsPerProbe repetitions.
import { judged } from '../analyse/outcome.js';
import { describeFrontier, finishFrontier, nextProbeSize, probeOutcome, recordProbe, startFrontier } from '../analyse/frontier.js';
import { probeVariant, variantRuns, type Plan, type RunSpec } from '../model/plan.js';
import type { Progress } from '../progress.js';
import type { Frontier, RunRecord } from '../model/results.js';
import type { FrontierSpec } from '../model/scenario.js';
import type { ResolvedVariant } from '../model/variants.js';
import { max } from '../analyse/stats.js';

export interface FrontierHooks {
  /** Runs one probe's repetitions (side by side where the lab runs several at once). */
  execute(runs: RunSpec[], label: string): Promise<RunRecord[]>;
  /** A probe variant is about to run: it becomes a variant of the results. */
  onProbe(variant: ResolvedVariant): void;
  /** The search so far, after each probe, for the results saved in between. */
  onProgress(frontiers: Frontier[]): void;
}

/** Variants take turns probe by probe, so slow drift on the host hits every variant alike. */
export async function searchFrontiers(plan: Plan, spec: FrontierSpec, hooks: FrontierHooks, progress: Progress): Promise<Frontier[]> {
  const frontiers = plan.variants.map((variant) => startFrontier(variant.name, variant.memoryLimitBytes, spec));
  hooks.onProgress([...frontiers]);
  for (;;) {
    let probed = false;
    for (const [index, variant] of plan.variants.entries()) {
      const state = frontiers[index]!;
      const size = nextProbeSize(state, spec);
      if (size === null) continue;
      probed = true;
      const probe = probeVariant(variant, size, spec.over);
      hooks.onProbe(probe);
      const bracket = `bracket ${state.frontierMiB ?? '?'}–${state.failedMiB ?? '?'} MiB`;
      const reps = Array.from({ length: spec.repsPerProbe }, (_, i) => i + 1);
      const what = spec.over === 'memoryLimit' ? `a ${size} MiB limit` : `${size} MiB`;
      const records = await hooks.execute(variantRuns(plan.scenario, probe, reps), `[frontier ${variant.name}, probe ${state.probes.length + 1} at ${what}, ${bracket}]`);
      // The lab's own faults say nothing about the size: the probe is judged on the rest.
      const counted = judged(records);
      const survived = counted.filter((record) => record.survived).length;
      const peak = max(records.flatMap((record) => (record.memory.peakBytes === null ? [] : [record.memory.peakBytes])));
      const next = recordProbe(state, probeOutcome(probe.name, size, survived, counted.length, spec.targetSurvival, peak), spec);
      // Usage-based sizing starts from the peak at the first, generous limit.
      frontiers[index] = spec.over === 'memoryLimit' && state.probes.length === 0 ? { ...next, usagePeakBytes: peak } : next;
      hooks.onProgress([...frontiers]);
    }
    if (!probed) break;
  }
  const finished = frontiers.map(finishFrontier);
  for (const frontier of finished) progress.info(`frontier ${frontier.variant}: ${describeFrontier(frontier)}`);
  return finished;
}
