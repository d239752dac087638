import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frontier } from '../model/results.js';
import type { FrontierSpec } from '../model/scenario.js';
import { describeFrontier, finishFrontier, nextProbeSize, probeOutcome, recordProbe, startFrontier } from './frontier.js';

const SPEC: FrontierSpec = { over: 'bodyMiB', minMiB: 16, maxMiB: 160, resolutionMiB: 4, repsPerProbe: 5, targetSurvival: 0.9 };

/** Runs the search against a simulated service: survivedAt(size) says how many of the reps survive. */
function search(survivedAt: (mib: number) => number, spec = SPEC): Frontier {
  let state = startFrontier('v', 400 * 2 ** 20, spec);
  for (let size = nextProbeSize(state, spec); size !== null; size = nextProbeSize(state, spec)) {
    state = recordProbe(state, probeOutcome(`v.body-${size}`, size, survivedAt(size), spec.repsPerProbe, spec.targetSurvival), spec);
    assert.ok(state.probes.length < 20, 'the search ends');
  }
  return finishFrontier(state);
}

test('frontier: bisection brackets a sharp threshold within the resolution, in log2(range) probes', () => {
  const frontier = search((mib) => (mib <= 61 ? 5 : 0));
  assert.equal(frontier.status, 'bracketed');
  assert.ok(frontier.frontierMiB! <= 61 && frontier.failedMiB! > 61, JSON.stringify(frontier));
  assert.ok(frontier.failedMiB! - frontier.frontierMiB! <= SPEC.resolutionMiB);
  assert.ok(frontier.probes.length <= 2 + Math.ceil(Math.log2((SPEC.maxMiB - SPEC.minMiB) / SPEC.resolutionMiB)));
  assert.deepEqual(frontier.probes.slice(0, 3).map((p) => p.valueMiB), [16, 160, 88]);
  assert.match(describeFrontier(frontier), /survives ≥ 90% up to \d+(\.5)? MiB; misses it at \d+(\.5)? MiB/);
});

test('frontier: 90% means 9/10 passes and 4/5 does not; every probe carries its Wilson interval', () => {
  assert.equal(probeOutcome('v', 10, 9, 10, 0.9).passed, true);
  assert.equal(probeOutcome('v', 10, 4, 5, 0.9).passed, false);
  const probe = probeOutcome('v', 10, 5, 5, 0.9);
  assert.equal(probe.survival.rate, 1);
  assert.ok(probe.survival.low > 0.56 && probe.survival.low < 0.57);
});

test('frontier: out-of-range outcomes end the search early and say so', () => {
  const below = search(() => 0);
  assert.equal(below.status, 'below-range');
  assert.equal(below.probes.length, 1);
  assert.equal(below.frontierMiB, null);
  assert.match(describeFrontier(below), /even at the smallest size, 16 MiB/);
  const above = search(() => 5);
  assert.equal(above.status, 'above-range');
  assert.equal(above.frontierMiB, 160);
  assert.equal(above.probes.length, 2);
});

test('frontier: a noisy probe narrows the bracket only where the evidence says so', () => {
  // Survives up to 100 MiB, except that the probe at 88 MiB happens to lose one repetition.
  const frontier = search((mib) => (mib === 88 ? 4 : mib <= 100 ? 5 : 0));
  assert.equal(frontier.status, 'bracketed');
  assert.ok(frontier.failedMiB! - frontier.frontierMiB! <= 4);
  assert.ok(frontier.frontierMiB! < 88, 'the unlucky probe pulls the frontier down: reported as measured');
});

const SIZING: FrontierSpec = { over: 'memoryLimit', minMiB: 128, maxMiB: 2048, resolutionMiB: 16, repsPerProbe: 5, targetSurvival: 0.95 };

test('sizing: bisection over the limit starts at the generous end and brackets the smallest limit that holds', () => {
  // A simulated service that holds from 470 MiB up; at 460 it loses one repetition in five.
  const frontier = search((limit) => (limit >= 470 ? 5 : limit >= 440 ? 4 : 0), SIZING);
  assert.equal(frontier.status, 'bracketed');
  assert.deepEqual(frontier.probes.slice(0, 2).map((p) => [p.valueMiB, p.passed]), [[2048, true], [128, false]]);
  assert.ok(frontier.frontierMiB! >= 470 && frontier.failedMiB! < 470, JSON.stringify([frontier.frontierMiB, frontier.failedMiB]));
  assert.ok(frontier.frontierMiB! - frontier.failedMiB! <= SIZING.resolutionMiB);
  assert.ok(frontier.probes.length <= 2 + Math.ceil(Math.log2((SIZING.maxMiB - SIZING.minMiB) / SIZING.resolutionMiB)));
  assert.match(describeFrontier(frontier), /^holds ≥ 95% from a \d+(\.5)? MiB limit; misses it at \d+(\.5)? MiB$/);
});

test('sizing: a service that dies even at the largest limit, or holds even at the smallest, says so', () => {
  const never = search(() => 0, SIZING);
  assert.deepEqual([never.status, never.probes.length], ['below-range', 1]);
  assert.match(describeFrontier(never), /even at the largest limit, 2048 MiB/);
  const always = search(() => 5, SIZING);
  assert.deepEqual([always.status, always.frontierMiB, always.probes.length], ['above-range', 128, 2]);
});
