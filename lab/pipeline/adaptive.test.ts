import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../concurrency.js';
import { ADAPTIVE_DEFAULTS, planRuns } from '../model/plan.js';
import type { RunRecord } from '../model/results.js';
import { loadScenario, parseScenario } from '../model/scenario.js';
import { UsageError } from '../errors.js';
import { silentProgress } from '../progress.js';
import { runInRounds } from './adaptive.js';

const scenario = parseScenario('name: s\nvariants: [{ name: fix }, { name: other }]\n', 's.yaml');

/** Repetitions that survive at a known rate per variant, each round taking `roundSeconds` on a fake clock. */
function fakeRounds(rates: Record<string, number>, roundSeconds: number, seed = 1) {
  const random = seededRandom(seed);
  let clock = 0;
  const rounds: string[][] = [];
  return {
    rounds,
    hooks: {
      execute: async (runs: { id: string; variant: string }[]) => {
        rounds.push(runs.map((run) => run.id));
        clock += roundSeconds;
        return runs.map((run) => ({ id: run.id, variant: run.variant, survived: random() < rates[run.variant]! }) as unknown as RunRecord);
      },
      onRound: () => {},
      elapsedSeconds: () => clock,
    },
  };
}

test('--reps auto stops as soon as one variant is separated from the rest, and says which', async () => {
  const plan = planRuns(scenario, { runtime: 'docker', reps: 'auto' });
  const { hooks, rounds } = fakeRounds({ fix: 1, other: 0 }, 30);
  const outcome = await runInRounds(plan, plan.adaptive!, 2, hooks, silentProgress);
  assert.equal(outcome.stoppedBy, 'separated');
  assert.equal(outcome.best, 'fix');
  assert.equal(outcome.runnerUp, 'other');
  assert.equal(outcome.rounds, rounds.length);
  assert.ok(outcome.rounds <= 6, `all-or-nothing separates within a few rounds, took ${outcome.rounds}`);
  assert.ok(outcome.intervals.fix!.low > outcome.intervals.other!.high);
  // Each round gives every variant its next repetition numbers, shuffled together.
  assert.deepEqual([...rounds[1]!].sort(), ['fix-3', 'fix-4', 'other-3', 'other-4']);
});

test('--reps auto with two equal variants ends at the budget, never a round past it', async () => {
  const plan = planRuns(scenario, { runtime: 'docker', reps: 'auto', adaptive: { budgetSeconds: 300 } });
  const { hooks } = fakeRounds({ fix: 0.5, other: 0.5 }, 70);
  const outcome = await runInRounds(plan, plan.adaptive!, 2, hooks, silentProgress);
  assert.equal(outcome.stoppedBy, 'budget');
  assert.equal(outcome.rounds, 4); // 4 × 70 s = 280 s; a fifth would end at 350 s
  assert.ok(outcome.elapsedSeconds <= 300);
});

test('--reps auto with --precision stops once every interval is narrow enough', async () => {
  const plan = planRuns(parseScenario('name: s\nvariants: [{ name: only }]\n', 's.yaml'), { runtime: 'docker', reps: 'auto', adaptive: { precision: 0.5 } });
  assert.equal(plan.adaptive!.budgetSeconds, ADAPTIVE_DEFAULTS.budgetSeconds);
  const { hooks } = fakeRounds({ only: 0.9 }, 10);
  const outcome = await runInRounds(plan, plan.adaptive!, 2, hooks, silentProgress);
  assert.equal(outcome.stoppedBy, 'precise');
  assert.ok(outcome.intervals.only!.high - outcome.intervals.only!.low < 0.5);
});

test('--reps auto is refused where it cannot apply, and --budget without it', async () => {
  assert.throws(() => planRuns(parseScenario('name: s\nvariants: [{ name: a }]\nfrontier: {}\n', 's.yaml'), { runtime: 'docker', reps: 'auto' }), (error: unknown) => error instanceof UsageError && /frontier/.test(error.message));
  const seed = await loadScenario('seed');
  assert.throws(() => planRuns(seed, { runtime: 'docker', reps: 3, adaptive: { budgetSeconds: 60 } }), (error: unknown) => error instanceof UsageError && /--reps auto/.test(error.message));
  const plan = planRuns(seed, { runtime: 'docker', reps: 'auto' });
  assert.deepEqual(plan.runs, []);
  assert.equal(plan.variants.length, 2);
});
