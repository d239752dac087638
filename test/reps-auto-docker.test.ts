import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readResults } from '../lab/report/write.js';
import { SEED_GO, spawnLab } from './helpers.js';

// --reps auto on the real engine: the seed's two variants separate in a few rounds, well inside the budget.
test('--reps auto on docker stops once gomemlimit is separated from the baseline, and says so first', { timeout: 10 * 60_000 }, async () => {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'lab-auto-')), 'run');
  const result = await spawnLab(['--runtime', 'docker', '--reps', 'auto', '--budget', '5m', '--go', SEED_GO, '--out', out, '--quiet'], {});
  assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
  const results = await readResults(out);
  const adaptive = results.adaptive!;
  assert.equal(adaptive.stoppedBy, 'separated', JSON.stringify(adaptive));
  assert.deepEqual([adaptive.best, adaptive.runnerUp], ['gomemlimit', 'baseline']);
  assert.ok(adaptive.intervals.gomemlimit!.low > adaptive.intervals.baseline!.high);
  assert.ok(adaptive.elapsedSeconds < 300);
  // Every variant ran the same number of repetitions, a round's worth at a time.
  const counts = results.variants.map((v) => v.repetitions);
  assert.equal(new Set(counts).size, 1);
  assert.equal(results.runs.length, counts.reduce((a, b) => a + b, 0));
  const report = (await readFile(path.join(out, 'report.md'), 'utf8')).split('\n');
  assert.match(report[4]!, /^\*\*Repetitions:\*\* --reps auto, stopped once gomemlimit was separated from baseline, after \d+ rounds? in \d+ s of a 300 s budget\./);
});
