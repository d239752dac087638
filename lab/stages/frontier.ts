// Runs the OOM-frontier search: per variant, bisection over body size, each probe repsPerProbe repetitions.
import { describeFrontier, finishFrontier, nextProbeSize, probeOutcome, recordProbe, startFrontier } from '../analyse/frontier.js';
import { probeVariant, variantRuns, type Plan, type RunSpec } from '../plan.js';
import type { Progress } from '../progress.js';
import type { Frontier, RunRecord } from '../report/results.js';
import type { FrontierSpec } from '../scenario.js';
import type { RunContext } from './analyse.js';

export type ExecuteRun = (run: RunSpec, label: string) => Promise<RunRecord>;

/**
 * Variants take turns probe by probe, so slow drift on the host hits every variant alike.
 * context.frontier and context.variants grow as probes finish, so every save shows the search so far.
 */
export async function searchFrontiers(plan: Plan, spec: FrontierSpec, context: RunContext, execute: ExecuteRun, progress: Progress): Promise<Frontier[]> {
  const frontiers = plan.variants.map((variant) => startFrontier(variant.name, variant.memoryLimitBytes, spec));
  context.frontier = frontiers;
  for (;;) {
    let probed = false;
    for (const [index, variant] of plan.variants.entries()) {
      const state = frontiers[index]!;
      const size = nextProbeSize(state, spec);
      if (size === null) continue;
      probed = true;
      const probe = probeVariant(variant, size);
      context.variants.push(probe);
      const bracket = `bracket ${state.frontierMiB ?? '?'}–${state.failedMiB ?? '?'} MiB`;
      let survived = 0;
      const reps = Array.from({ length: spec.repsPerProbe }, (_, i) => i + 1);
      for (const run of variantRuns(plan.scenario, probe, reps)) {
        const record = await execute(run, `[frontier ${variant.name}, probe ${state.probes.length + 1} at ${size} MiB, ${bracket}]`);
        if (record.survived) survived += 1;
      }
      frontiers[index] = recordProbe(state, probeOutcome(probe.name, size, survived, spec.repsPerProbe, spec.targetSurvival), spec);
      context.frontier = [...frontiers];
    }
    if (!probed) break;
  }
  const finished = frontiers.map(finishFrontier);
  context.frontier = finished;
  for (const frontier of finished) progress.info(`frontier ${frontier.variant}: ${describeFrontier(frontier)}`);
  return finished;
}
