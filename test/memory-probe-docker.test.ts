// The lab where it cannot see the engine's cgroups, as inside a CI container: its own pid namespace and a
// fresh /proc. Its default must find the engine probe by itself, and agree with a run that reads the host.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { median } from '../lab/analyse/stats.js';
import { REPO_ROOT } from '../lab/paths.js';
import { readResults } from '../lab/report/write.js';
import type { Results } from '../lab/report/results.js';
import { spawnLab } from './helpers.js';

const ARGS = ['--runtime', 'docker', '--scenario', 'seed-v2', '--reps', '2', '--quiet'];

async function leftBehind(results: Results): Promise<string> {
  const { stdout } = await execa('docker', ['ps', '-aq', '--filter', `label=gomemlimit-lab.run=${results.runId}`]);
  return stdout.trim();
}

function medianPeak(results: Results, variant: string): number {
  return median(results.runs.filter((run) => run.variant === variant).map((run) => run.memory.peakBytes!))!;
}

test('in its own pid namespace the lab reads memory with the engine probe, and its peaks agree with the host read', { timeout: 15 * 60_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lab-memory-probe-'));
  const host = await spawnLab([...ARGS, '--out', path.join(dir, 'host')], {});
  assert.equal(host.exitCode, 0, host.stderr);
  const blind = await execa('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '--import', 'tsx', 'lab/cli.ts', ...ARGS, '--out', path.join(dir, 'blind')], {
    cwd: REPO_ROOT,
    reject: false,
  });
  assert.equal(blind.exitCode, 0, blind.stderr);

  const hostResults = await readResults(path.join(dir, 'host'));
  const blindResults = await readResults(path.join(dir, 'blind'));
  assert.equal(hostResults.environment.memoryProbe?.probe, 'host');
  assert.equal(blindResults.environment.memoryProbe?.probe, 'engine');
  assert.match(blindResults.environment.memoryProbe!.reason, /cannot see the engine's cgroups/);
  for (const run of blindResults.runs) {
    assert.match(run.memory.source, /^engine probe cgroup v[12]$/);
    assert.ok(run.memory.achievedHz >= 15, `${run.id} sampled at ${run.memory.achievedHz} Hz`);
    assert.ok(run.memory.peakBytes !== null, `${run.id} has a peak`);
  }
  for (const variant of ['baseline', 'gomemlimit']) {
    const hostPeak = medianPeak(hostResults, variant);
    const blindPeak = medianPeak(blindResults, variant);
    assert.ok(Math.abs(blindPeak - hostPeak) / hostPeak <= 0.02, `${variant}: engine ${blindPeak} vs host ${hostPeak}`);
  }
  assert.equal(blindResults.variants.find((variant) => variant.name === 'baseline')!.survivedRepetitions, 0);
  assert.equal(await leftBehind(hostResults), '');
  assert.equal(await leftBehind(blindResults), '');
});
