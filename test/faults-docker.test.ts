// Faults tried on purpose (README, "Faults the lab survives"): each ends with the repetition retried as a harness
// fault or marked with its cause, nothing earlier lost, results.json valid, and nothing left behind.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { readResults } from '../lab/report/write.js';
import { SEED_GO, containersOf, inRequest, spawnLab, vegetaAttacksOf, whileRunning } from './helpers.js';

const ONE_REP = ['--runtime', 'docker', '--variants', 'gomemlimit', '--reps', '1', '--parallel', '1', '--go', SEED_GO];

test('vegeta killed in the middle of its request: a harness fault, tried again, the run goes on', { timeout: 5 * 60_000 }, async () => {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'lab-fault-vegeta-')), 'run');
  const subprocess = spawnLab([...ONE_REP, '--out', out], {});
  const killed = whileRunning(subprocess, inRequest(subprocess.pid, async ([attack]) => void process.kill(attack!, 'SIGKILL')));
  const result = await subprocess;
  assert.ok(await killed, 'vegeta was killed');
  assert.equal(result.exitCode, 0, result.stderr);
  const results = await readResults(out);
  assert.equal(results.retried.length, 1, JSON.stringify(results.retried));
  assert.match(results.retried[0]!.cause, /vegeta|the lab failed|while the service stayed up/);
  const run = results.runs[0]!;
  assert.equal(run.attempt, 2);
  assert.notEqual(run.outcome, 'harness-fault');
  assert.match(result.stderr, /gomemlimit-1: harness fault, not counted .*; trying again \(2 of 3\)/);
  assert.equal(await containersOf(subprocess.pid), '');
});

test("the service's container removed in the middle of a run: retried or marked with its cause, never lost", { timeout: 5 * 60_000 }, async () => {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'lab-fault-rm-')), 'run');
  const subprocess = spawnLab([...ONE_REP, '--reps', '2', '--out', out], {});
  const removed = whileRunning(subprocess, async () => {
    const id = (await containersOf(subprocess.pid)).split('\n')[0];
    if (!id || (await vegetaAttacksOf(subprocess.pid)).length === 0) return false;
    await execa('docker', ['rm', '-f', id]);
    return true;
  });
  const result = await subprocess;
  assert.ok(await removed, 'a container was removed');
  assert.equal(result.exitCode, 0, result.stderr);
  const results = await readResults(out);
  assert.equal(results.runs.length, 2, 'both repetitions are recorded');
  const spoiled = results.runs.find((run) => run.attempt > 1 || run.outcome === 'failed');
  assert.ok(spoiled || results.retried.length, 'the removal shows as a retry or a failure with its cause');
  if (spoiled?.outcome === 'failed') assert.match(spoiled.cause, /exit 137|ended|killed/);
  assert.equal(await containersOf(subprocess.pid), '');
});

test("the memory probe's container killed in the middle of a request: a harness fault, tried again with a new probe", { timeout: 5 * 60_000 }, async () => {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'lab-fault-probe-')), 'run');
  const subprocess = spawnLab([...ONE_REP, '--memory-probe', 'engine', '--out', out], {});
  const probesOf = async () => (await execa('docker', ['ps', '-q', '--filter', `label=gomemlimit-lab.pid=${subprocess.pid}`, '--filter', 'label=gomemlimit-lab.role=cgroup-probe'])).stdout.trim();
  const killed = whileRunning(subprocess, inRequest(subprocess.pid, async () => {
    const probes = await probesOf();
    if (!probes) return false;
    await execa('docker', ['kill', ...probes.split('\n')]);
  }));
  const result = await subprocess;
  assert.ok(await killed, 'the probe container was killed');
  assert.equal(result.exitCode, 0, result.stderr);
  const results = await readResults(out);
  assert.equal(results.retried.length, 1, JSON.stringify(results.retried));
  assert.match(results.retried[0]!.cause, /the memory probe was lost once while the service stayed up/);
  const run = results.runs[0]!;
  assert.equal(run.attempt, 2);
  assert.notEqual(run.outcome, 'harness-fault');
  assert.equal(run.memory.probeLosses, 0, 'the second try had a probe throughout');
  assert.equal(await containersOf(subprocess.pid), '');
});

test('--out on a full file system: one line, a non-zero exit, and nothing left behind', { timeout: 5 * 60_000, skip: process.getuid?.() !== 0 && 'needs root to mount a tmpfs' }, async () => {
  const mount = await mkdtemp(path.join(os.tmpdir(), 'lab-fault-full-'));
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount]);
  try {
    const subprocess = spawnLab([...ONE_REP, '--out', path.join(mount, 'run')], {});
    const result = await subprocess;
    assert.notEqual(result.exitCode, 0);
    const errors = result.stderr.split('\n').filter((line) => /^error: /.test(line));
    assert.equal(errors.length, 1, result.stderr);
    assert.match(errors[0]!, /ENOSPC|no space/i);
    assert.equal(await containersOf(subprocess.pid), '', 'no container is left behind');
    const written = await readdir(path.join(mount, 'run')).catch(() => []);
    assert.ok(!written.some((name) => name.endsWith('.tmp')), `no half-written file: ${written.join(', ')}`);
  } finally {
    await execa('umount', [mount]).catch(() => {});
    await rm(mount, { recursive: true, force: true });
  }
});
