import assert from 'node:assert/strict';
import { mkdtemp, readdir, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { REPO_ROOT } from '../lab/paths.js';
import { containersOf, spawnLab } from './helpers.js';

async function lab(args: string[], env: Record<string, string> = {}) {
  const subprocess = spawnLab(args, { env, timeout: 60_000 });
  return { ...(await subprocess), pid: subprocess.pid };
}

/** A bad input gives exactly one line on stderr, exit 2, and starts nothing. */
async function assertUsageError(args: string[], pattern: RegExp, env: Record<string, string> = {}) {
  const out = await mkdtemp(path.join(os.tmpdir(), 'lab-cli-'));
  const result = await lab([...args, '--out', path.join(out, 'run')], env);
  assert.equal(result.exitCode, 2, `exit code for ${args.join(' ')}: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line for ${args.join(' ')}, got: ${result.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.deepEqual(await readdir(out), [], 'no results folder is created');
  assert.equal(await containersOf(result.pid), '', 'no container is left');
}

test('bad input is one line, exit 2, nothing started', async () => {
  await assertUsageError(['--scenario', 'nope'], /unknown scenario "nope": known scenarios are .*seed/);
  await assertUsageError(['--variants', 'baseline,nope'], /unknown variant "nope"/);
  await assertUsageError(['--reps', '0'], /--reps.*whole number/);
  await assertUsageError(['--reps', 'many'], /--reps.*whole number/);
  await assertUsageError(['--runtime', 'existing'], /--runtime existing needs --context/);
  await assertUsageError(['--runtime', 'existing', '--context', 'nope', '--image', 'x/y:1'], /no context "nope"/);
  await assertUsageError(['--runtime', 'podman'], /--runtime/);
  // Another runtime's flag is refused, not ignored: the same on a run, a dry run and regress.
  await assertUsageError(['--runtime', 'docker', '--keep-cluster'], /^error: --keep-cluster is for --runtime kind, not docker$/);
  await assertUsageError(['--runtime', 'kind', '--context', 'x', '--dry-run'], /^error: --context is for --runtime existing, not kind$/);
  await assertUsageError(['regress', '--runtime', 'docker', '--node-probe'], /^error: --node-probe is for --runtime existing, not docker$/);
  await assertUsageError(['--scenario', path.join(REPO_ROOT, 'test', 'fixtures', 'bad-quantity.yaml')], /bad memory quantity "400MB".*400Mi/);
  await assertUsageError(['regress', '--expectations', 'nope'], /no expectations file .*nope\.yaml/);
  await assertUsageError(['--go', 'banana'], /--go.*use "local" .* or a Go release such as 1\.27\.3/);
  await assertUsageError(['--runtime', 'docker', '--go', '1.99.0', '--quiet'], /^error: Go go1\.99\.0 could not be fetched through the module proxy: .*not available/);
  await assertUsageError(['--runtime', 'existing', '--context', 'x', '--image', 'x/y:1', '--scenario', 'go-versions'], /needs its own build \(1\.19\.13\).*use docker or kind/);
});

test('no Docker engine: one clear line, exit 2', async () => {
  for (const runtime of ['docker', 'kind']) {
    await assertUsageError(['--runtime', runtime, '--reps', '1'], /Docker is not running/, { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  }
});

test('no Go toolchain: one clear line, exit 2', async () => {
  const bin = await mkdtemp(path.join(os.tmpdir(), 'lab-nogo-'));
  await symlink(process.execPath, path.join(bin, 'node'));
  await assertUsageError(['--reps', '1'], /Go is not installed/, { PATH: bin });
});

test('doctor lists the tools with versions, and exits 2 when one is missing', async () => {
  const healthy = await lab(['doctor']);
  assert.equal(healthy.exitCode, 0, healthy.stdout);
  assert.match(healthy.stdout, /ok +go +go1\.\d+/);
  assert.match(healthy.stdout, /ok +docker engine +\d+\./);
  const bin = await mkdtemp(path.join(os.tmpdir(), 'lab-doctor-'));
  await symlink(process.execPath, path.join(bin, 'node'));
  const missing = await lab(['doctor'], { PATH: bin });
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stdout, /MISSING go/);
});

test('an --out folder that holds files is refused, so earlier results survive', async () => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'lab-out-'));
  await execa('touch', [path.join(out, 'results.json')]);
  const result = await lab(['--out', out]);
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /already holds files/);
});

test('an --out that can never be created is refused before anything starts, for every runtime (and regress)', async () => {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'lab-out-file-')), 'a-file');
  await execa('touch', [file]);
  const runtimes = [['--runtime', 'docker'], ['--runtime', 'kind'], ['--runtime', 'existing', '--context', 'nope', '--image', 'x/y:1'], ['regress', '--runtime', 'docker']];
  for (const args of runtimes) {
    for (const out of ['/proc/forbidden/here', path.join(file, 'run')]) {
      const result = await lab([...args, '--out', out]);
      assert.equal(result.exitCode, 2, `${args.join(' ')} --out ${out}: ${result.stderr}`);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, /cannot (create|use) --out/);
      assert.equal(await containersOf(result.pid), '');
    }
  }
  assert.deepEqual((await readdir('/proc')).filter((name) => name.startsWith('.gomemlimit-lab')), []);
});

test('--help lists the options and --dry-run prints the plan without Docker', async () => {
  const help = await lab(['--help']);
  assert.equal(help.exitCode, 0);
  for (const flag of ['--scenario', '--runtime', '--reps', '--variants', '--out']) assert.ok(help.stdout.includes(flag), flag);
  // The runtimes and who takes which flag come from lab/runtimes/registry.ts, the same on regress.
  for (const text of [help, await lab(['regress', '--help'])].map((result) => result.stdout.replace(/\s+/g, ' '))) {
    assert.match(text, /where the variants run: kind = .*; docker = .*; existing = /);
    assert.match(text, /--keep-cluster kind: leave the cluster/);
    assert.match(text, /--memory-probe <how> kind, docker: how memory is read/);
  }
  const dry = await lab(['--runtime', 'docker', '--dry-run', '--reps', '2', '--variants', 'gomemlimit'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  assert.equal(dry.exitCode, 0, dry.stderr);
  const plan = JSON.parse(dry.stdout) as { runs: { id: string; env: Record<string, string> }[] };
  assert.deepEqual(plan.runs.map((run) => run.id).sort(), ['gomemlimit-1', 'gomemlimit-2']);
  assert.equal(plan.runs[0]!.env.GOMEMLIMIT, '419430400');
  // On Kubernetes, --dry-run prints the manifests: the fix is the Downward API, not a number.
  const manifests = await lab(['--dry-run', '--reps', '1', '--variants', 'gomemlimit']);
  assert.equal(manifests.exitCode, 0, manifests.stderr);
  assert.match(manifests.stdout, /kind: Deployment[\s\S]*name: GOMEMLIMIT\n\s+valueFrom:\n\s+resourceFieldRef:/);
  assert.match(manifests.stdout, /type: NodePort[\s\S]*nodePort: 30550/);
  // An existing cluster describes its own plan: a ClusterIP Service and the pushed image, no NodePort.
  const existing = await lab(['--runtime', 'existing', '--context', 'any', '--image', 'registry.example/go-sample:1', '--dry-run', '--reps', '1']);
  assert.equal(existing.exitCode, 0, existing.stderr);
  assert.match(existing.stdout, /image: registry\.example\/go-sample:1\n\s+imagePullPolicy: IfNotPresent/);
  assert.match(existing.stdout, /type: ClusterIP/);
  assert.doesNotMatch(existing.stdout, /NodePort/);
});
