import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { K8S_VERSION } from '../lab/pins.js';
import { readResults } from '../lab/report/write.js';
import { SEED_GO, spawnLab } from './helpers.js';


async function kindNodes(): Promise<string> {
  const { stdout } = await execa('docker', ['ps', '-aq', '--filter', 'label=io.x-k8s.kind.cluster=gomemlimit-lab']);
  return stdout.trim();
}

// The seed as a Kubernetes story on a real, air-gapped kind cluster: the kubelet restarts the OOM-killed
// container and reports OOMKilled; GOMEMLIMIT comes from the Downward API.
test('seed on kind: baseline OOMKilled with restarts from pod status, gomemlimit answers', { timeout: 30 * 60_000 }, async () => {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'lab-kind-')), 'run');
  const first = spawnLab(['--runtime', 'kind', '--scenario', 'seed-restarts', '--go', SEED_GO, '--out', out], { all: true });
  // A second run while the first holds the cluster refuses cleanly instead of sharing it.
  let output = '';
  await new Promise<void>((resolve) => {
    first.all!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('[1/2]')) resolve();
    });
    void first.then(() => resolve());
  });
  const second = await spawnLab(['--runtime', 'kind', '--reps', '1', '--go', SEED_GO], {});
  assert.equal(second.exitCode, 2, second.stderr);
  assert.match(second.stderr, /another lab run \(pid \d+\) is using the kind cluster/);
  const result = await first;
  assert.equal(result.exitCode, 0, output);
  const results = await readResults(out);
  assert.equal(results.runtime, 'kind');
  assert.equal(results.complete, true);
  // The air-gapped node image's Kubernetes: the minor lab/pins.json pins.
  assert.ok((results.environment.versions.kubernetes ?? '').startsWith(`${K8S_VERSION.split('.').slice(0, 2).join('.')}.`), results.environment.versions.kubernetes);
  const baseline = results.variants.find((variant) => variant.name === 'baseline')!;
  const gomemlimit = results.variants.find((variant) => variant.name === 'gomemlimit')!;

  assert.equal(baseline.successes, 0);
  assert.ok(baseline.restarts > 0, `baseline restarts ${baseline.restarts}`);
  const baselineRun = results.runs.find((run) => run.variant === 'baseline')!;
  assert.ok(baselineRun.terminations.length > 0);
  for (const termination of baselineRun.terminations) assert.deepEqual([termination.reason, termination.exitCode], ['OOMKilled', 137]);
  assert.ok(baselineRun.processes.filter((process) => process.oomKilled).every((process) => process.gcCycles.length > 0), 'gctrace of every killed instance is kept');

  assert.ok(gomemlimit.successes >= 1, `gomemlimit answered ${gomemlimit.successes}/${gomemlimit.attempts}`);
  const gomemlimitRun = results.runs.find((run) => run.variant === 'gomemlimit')!;
  assert.equal(gomemlimitRun.processes[0]!.goMemoryLimitBytes, 419430400, 'GOMEMLIMIT from resourceFieldRef limits.memory');
  assert.ok(gomemlimitRun.memory.achievedHz >= 10, `sampled at ${gomemlimitRun.memory.achievedHz} Hz`);
  assert.ok(gomemlimitRun.memory.peakBytes! > 300 * 2 ** 20, 'cgroup memory read from inside the kind node');

  assert.match(await readFile(path.join(out, 'report.md'), 'utf8'), /OOMKilled/);
  assert.equal(await kindNodes(), '', 'the cluster this run created is deleted');
  const libModules = await readdir('/lib/modules').catch(() => null);
  assert.ok(libModules === null || libModules.length > 0, 'no empty /lib/modules (made by Docker for kind) is left behind');
});
