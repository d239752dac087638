import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeResultsFixture } from '../../test/fixtures/results-fixture.js';
import type { RunRecord } from '../model/results.js';
import { cheapestSurvivor, judgeCost, SLOWED } from './cost.js';

/** The fixture's survivors with their latency set, as another variant. */
function survivors(variant: string, latencyMs: number[]): RunRecord[] {
  const template = makeResultsFixture().runs.find((run) => run.survived)!;
  return latencyMs.map((ms, index) => ({ ...template, id: `${variant}-${index + 1}`, variant, rep: index + 1, requests: template.requests.map((request) => ({ ...request, latencyMs: ms })) }));
}

test('slowed: a survivor over 1.5× the cheapest contender\'s p50 is slowed, and says against whom', () => {
  const runs = [...survivors('stream', [3000, 3100, 2900]), ...survivors('limit-90', [4400, 4600, 5000])];
  assert.deepEqual(cheapestSurvivor(runs)?.variant, 'stream');
  const judgedRuns = judgeCost(runs);
  assert.deepEqual(judgedRuns.map((run) => run.outcome), ['survived', 'survived', 'survived', 'survived', 'slowed', 'slowed']);
  assert.match(judgedRuns[4]!.cause, /^slowed: p50 4\.6 s, 1\.5× stream's$/);
  assert.equal(SLOWED.latency, 1.5);
  // Judging again from slowed records gives the same answer (saves re-run it after every repetition).
  assert.deepEqual(judgeCost(judgedRuns).map((run) => run.outcome), judgedRuns.map((run) => run.outcome));
});

test('the reference is a variant whose survival cannot be told from the best: a lucky fast survivor is not it', () => {
  const killed = makeResultsFixture().runs.filter((run) => !run.survived);
  const lucky = [...survivors('baseline', [2000]), ...killed.map((run, i) => ({ ...run, id: `baseline-k${i}` })), ...killed.map((run, i) => ({ ...run, id: `baseline-k2${i}` }))];
  const runs = [...lucky, ...survivors('gomemlimit', [6000, 6100, 6200, 5900, 6000, 6050, 6000])];
  assert.equal(cheapestSurvivor(runs)?.variant, 'gomemlimit', 'baseline at 1/7 is no reference for 7/7');
  assert.ok(judgeCost(runs).filter((run) => run.variant === 'gomemlimit').every((run) => run.outcome === 'survived'));
});
