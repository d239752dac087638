// --reps auto: every variant gets a few repetitions per round, and after each round an anytime-valid rule
// (analyse/sequential.ts) decides whether the answer is clear; otherwise the next round runs while the budget allows.
import { judged } from '../analyse/outcome.js';
import { sequentialDecision, type SequentialDecision } from '../analyse/sequential.js';
import { seededShuffle } from '../concurrency.js';
import { variantRuns, type Plan, type RunSpec } from '../model/plan.js';
import type { AdaptiveOutcome, AdaptiveSpec } from '../model/adaptive.js';
import type { RunRecord } from '../model/results.js';
import type { Progress } from '../progress.js';

export interface RoundHooks {
  /** Runs one round's repetitions (side by side where the lab runs several at once). */
  execute(runs: RunSpec[], label: string): Promise<RunRecord[]>;
  /** The outcome so far, after each round, for the results saved in between. */
  onRound(outcome: AdaptiveOutcome): void;
  /** Seconds since the rounds began (a clock the tests can drive). */
  elapsedSeconds(): number;
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

function minutes(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

/** "limit-100 8/12 [31–93%]" per variant, for the progress line. */
function intervalsLine(decision: SequentialDecision, counts: Map<string, { successes: number; trials: number }>): string {
  return [...counts]
    .map(([name, count]) => {
      const interval = decision.intervals[name]!;
      return `${name} ${count.successes}/${count.trials} [${percent(interval.low)}–${percent(interval.high)}]`;
    })
    .join(', ');
}

function outcomeOf(spec: AdaptiveSpec, decision: SequentialDecision, stoppedBy: AdaptiveOutcome['stoppedBy'], rounds: number, elapsedSeconds: number): AdaptiveOutcome {
  return { ...spec, stoppedBy, rounds, elapsedSeconds, best: decision.best, runnerUp: decision.runnerUp, intervals: decision.intervals };
}

/**
 * Rounds of `perRound` repetitions per variant, shuffled within the round. A round starts only when the time used so
 * far plus the last round's duration fits the budget, so the run ends near the budget, not past it by a whole round.
 */
export async function runInRounds(plan: Plan, spec: AdaptiveSpec, perRound: number, hooks: RoundHooks, progress: Progress): Promise<AdaptiveOutcome> {
  const counts = new Map(plan.variants.map((variant) => [variant.name, { successes: 0, trials: 0 }]));
  const decide = () => sequentialDecision([...counts].map(([name, count]) => ({ name, ...count })), { alpha: spec.alpha, precision: spec.precision ?? undefined });
  let decision = decide();
  let rounds = 0;
  let lastRoundSeconds = 0;
  for (;;) {
    const elapsed = hooks.elapsedSeconds();
    if (rounds > 0 && elapsed + lastRoundSeconds > spec.budgetSeconds) {
      progress.info(`--reps auto: stopped by the budget after ${rounds} round(s), ${minutes(elapsed)} of ${minutes(spec.budgetSeconds)}; no clear decision`);
      return outcomeOf(spec, decision, 'budget', rounds, elapsed);
    }
    const reps = Array.from({ length: perRound }, (_, i) => rounds * perRound + i + 1);
    const runs = seededShuffle(plan.variants.flatMap((variant) => variantRuns(plan.scenario, variant, reps)), plan.scenario.orderSeed + rounds);
    const label = `[round ${rounds + 1}, ${minutes(spec.budgetSeconds - elapsed)} of the budget left]`;
    const records = await hooks.execute(runs, label);
    for (const record of judged(records)) {
      const count = counts.get(record.variant)!;
      count.trials += 1;
      if (record.survived) count.successes += 1;
    }
    rounds += 1;
    lastRoundSeconds = hooks.elapsedSeconds() - elapsed;
    decision = decide();
    progress.info(`round ${rounds}: ${intervalsLine(decision, counts)} (anytime-valid, ${percent(1 - spec.alpha)} for all at once)`);
    if (decision.stop) {
      const why = decision.reason === 'separated' ? `${decision.best} is separated from ${decision.runnerUp}` : `every interval is narrower than ${percent(spec.precision!)}`;
      progress.info(`--reps auto: stopped after ${rounds} round(s), ${minutes(hooks.elapsedSeconds())}: ${why}`);
      return outcomeOf(spec, decision, decision.reason!, rounds, hooks.elapsedSeconds());
    }
    hooks.onRound(outcomeOf(spec, decision, null, rounds, hooks.elapsedSeconds()));
  }
}
