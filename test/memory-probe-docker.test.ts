// The lab where it cannot see the engine's cgroups: in its own pid namespace with a fresh /proc, and inside a
// real container with the engine's socket mounted (scripts/lab-container/, as a CI job runs it). Its default
// must find the engine probe by itself in both, and agree with a run that reads the host.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { median } from '../lab/analyse/stats.js';
import { REPO_ROOT } from '../lab/paths.js';
import { readResults } from '../lab/report/write.js';
import type { Results } from '../lab/model/results.js';
import { spawnLab } from './helpers.js';

// One at a time: side by side, baseline at the seed's frontier now and then survives below the limit (README), and
// a median of two peaks then moves by more than the probes could disagree.
// The machine's Go: the lab-container run has it, and needs no toolchain download.
const ARGS = ['--runtime', 'docker', '--scenario', 'seed-v2', '--reps', '2', '--parallel', '1', '--go', 'local', '--quiet'];

async function leftBehind(results: Results): Promise<string> {
  const { stdout } = await execa('docker', ['ps', '-aq', '--filter', `label=gomemlimit-lab.run=${results.runId}`]);
  return stdout.trim();
}

function medianPeak(results: Results, variant: string): number {
  return median(results.runs.filter((run) => run.variant === variant).map((run) => run.memory.peakBytes!))!;
}

function assertEngineProbed(results: Results): void {
  assert.equal(results.environment.memoryProbe?.probe, 'engine');
  assert.match(results.environment.memoryProbe!.reason, /cannot see the engine's cgroups/);
  for (const run of results.runs) {
    assert.match(run.memory.source, /^engine probe cgroup v[12]$/);
    assert.ok(run.memory.achievedHz >= 15, `${run.id} sampled at ${run.memory.achievedHz} Hz`);
    assert.ok(run.memory.peakBytes !== null, `${run.id} has a peak`);
  }
  assert.equal(results.variants.find((variant) => variant.name === 'baseline')!.survivedRepetitions, 0);
}

function assertPeaksAgree(host: Results, other: Results, tolerance: number): void {
  for (const variant of ['baseline', 'gomemlimit']) {
    const hostPeak = medianPeak(host, variant);
    const otherPeak = medianPeak(other, variant);
    assert.ok(Math.abs(otherPeak - hostPeak) / hostPeak <= tolerance, `${variant}: engine probe ${otherPeak} vs host ${hostPeak} (more than ${tolerance * 100}% apart)`);
  }
}

test('unseen engine cgroups: in its own pid namespace and inside a container the lab reads memory with the engine probe, and its peaks agree with the host read', { timeout: 20 * 60_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lab-memory-probe-'));
  const host = await spawnLab([...ARGS, '--out', path.join(dir, 'host')], {});
  assert.equal(host.exitCode, 0, host.stderr);
  const blind = await execa('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '--import', 'tsx', 'lab/cli.ts', ...ARGS, '--out', path.join(dir, 'blind')], {
    cwd: REPO_ROOT,
    reject: false,
  });
  assert.equal(blind.exitCode, 0, blind.stderr);
  const contained = await execa('bash', ['scripts/lab-container/run.sh', path.join(dir, 'contained'), '--', ...ARGS], { cwd: REPO_ROOT, reject: false, all: true });
  assert.equal(contained.exitCode, 0, contained.all);

  const hostResults = await readResults(path.join(dir, 'host'));
  assert.equal(hostResults.environment.memoryProbe?.probe, 'host');
  const blindResults = await readResults(path.join(dir, 'blind'));
  const containedResults = await readResults(path.join(dir, 'contained', 'run'));
  assertEngineProbed(blindResults);
  assertEngineProbed(containedResults);
  assertPeaksAgree(hostResults, blindResults, 0.02);
  assertPeaksAgree(hostResults, containedResults, 0.01);
  for (const results of [hostResults, blindResults, containedResults]) assert.equal(await leftBehind(results), '');
  const { stdout } = await execa('docker', ['ps', '-aq', '--filter', 'name=gomemlimit-lab-in-container']);
  assert.equal(stdout.trim(), '', 'the container the lab ran in is gone');
});
