import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeOutcome } from '../analyse/frontier.js';
import type { Frontier, Results } from '../model/results.js';
import { makeResultsFixture } from '../../test/fixtures/results-fixture.js';
import { renderMarkdown } from './markdown.js';
import { sizingTable, usageBasedMiB } from './sizing.js';

const MiB = 2 ** 20;

/** A finished limit search: holds at `holds` MiB (5/5), fails at `fails` (3/5); the generous probe peaked at `peak` MiB. */
function sizing(variant: string, holds: number, fails: number, peak: number): Frontier {
  return {
    over: 'memoryLimit',
    variant,
    memoryLimitBytes: 400 * MiB,
    targetSurvival: 0.95,
    repsPerProbe: 5,
    resolutionMiB: 16,
    probes: [
      probeOutcome(`${variant}.limit-2048mi`, 2048, 5, 5, 0.95, peak * MiB),
      probeOutcome(`${variant}.limit-256mi`, 256, 0, 5, 0.95, 256 * MiB),
      probeOutcome(`${variant}.limit-${holds}mi`, holds, 5, 5, 0.95, (holds - 4) * MiB),
      probeOutcome(`${variant}.limit-${fails}mi`, fails, 3, 5, 0.95, fails * MiB),
    ],
    frontierMiB: holds,
    failedMiB: fails,
    status: 'bracketed',
    usagePeakBytes: peak * MiB,
  };
}

function sizingResults(): Results {
  const seed = makeResultsFixture();
  const [baseline, gomemlimit] = seed.variants;
  const variants = [
    { ...baseline!, name: 'baseline.limit-2048mi', memoryLimitBytes: 2048 * MiB, gomemlimitBytes: null },
    { ...gomemlimit!, name: 'limit-90.limit-2048mi', memoryLimitBytes: 2048 * MiB, gomemlimitBytes: Math.floor(2048 * MiB * 0.9) },
  ];
  return { ...seed, scenario: 'sizing', variants, frontier: [sizing('baseline', 560, 544, 470), sizing('limit-90', 432, 416, 1350)] };
}

test('sizing table: the smallest limit that held, its bracket, survival and peak there, usage + 15% and where it missed', () => {
  const table = sizingTable(sizingResults())!;
  assert.equal(table.title, 'Sizing');
  const [baseline, limited] = table.rows;
  assert.deepEqual(baseline, ['baseline', 'none', '560 MiB', '[560, 544) MiB', '5/5 (100%, 95% CI 57–100%)', '556.0 MiB', '541 MiB: too small (the target was missed at 544 MiB)', '544 MiB (3/5 survived)']);
  // GOMEMLIMIT's peak under a generous limit follows that limit: usage-based sizing overshoots by far.
  assert.equal(limited![1], '90% of the limit');
  assert.equal(limited![6], '1553 MiB (first limit only 1.5× the peak): holds');
  assert.equal(usageBasedMiB(sizing('x', 1, 0, 100)), 115);
});

test('sizing verdict: one sentence naming the limit each variant needs, smallest first', () => {
  const markdown = renderMarkdown(sizingResults(), []);
  assert.match(markdown, /Set limits\.memory to at least 432 MiB with limit-90 \(GOMEMLIMIT 90% of the limit\), or 560 MiB with baseline \(GOMEMLIMIT none\); each held ≥ 95% of its repetitions there\./);
  assert.match(markdown, /## Sizing/);
});

test('a service that printed no gctrace is told plainly; its memory and OOM figures stay', () => {
  const seed = makeResultsFixture();
  const service = { image: 'example.com/not-go:v1', port: 8080, targets: ['GET /export'] };
  const silent = { ...seed, service, runs: seed.runs.map((run) => ({ ...run, processes: run.processes.map((process) => ({ ...process, gcCycles: [] })) })) };
  const markdown = renderMarkdown(silent, []);
  assert.match(markdown, /GET \/export to example\.com\/not-go:v1 under a 400\.0 MiB memory limit \(docker\)\./);
  assert.match(markdown, /example\.com\/not-go:v1 printed no gctrace: either it is not a Go program, or something overrides GODEBUG/);
  assert.doesNotMatch(renderMarkdown({ ...seed, service }, []), /printed no gctrace/);
});
