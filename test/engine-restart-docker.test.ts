// dockerd restarted in the middle of a run, on an engine of the test's own (test/private-engine.ts): the spoiled
// repetition waits for the engine, is tried again as a harness fault, and the run goes on with nothing lost.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { readResults } from '../lab/report/write.js';
import { SEED_GO, inRequest, spawnLab, whileRunning } from './helpers.js';
import { privateEngineUnavailable, startPrivateEngine } from './private-engine.js';

const unavailable = await privateEngineUnavailable();

test('dockerd restarted in the middle of a request: the repetition waits for the engine, is tried again, and the run goes on', { timeout: 8 * 60_000, skip: unavailable ?? false }, async () => {
  const engine = await startPrivateEngine();
  try {
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'lab-fault-dockerd-')), 'run');
    const args = ['--runtime', 'docker', '--variants', 'gomemlimit', '--reps', '2', '--parallel', '1', '--go', SEED_GO, '--out', out];
    const subprocess = spawnLab(args, { env: { ...process.env, DOCKER_HOST: engine.host } });
    const restarted = await whileRunning(subprocess, inRequest(subprocess.pid, async () => {
      await engine.stop();
      await sleep(3000); // the engine stays away a while, as a restart by a service manager does
      await engine.start();
    }));
    const result = await subprocess;
    assert.ok(restarted, 'dockerd was restarted during a request');
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stderr, /waiting up to \d+ s for the runtime: the Docker engine does not answer/);
    const results = await readResults(out);
    assert.equal(results.runs.length, 2, 'both repetitions are recorded');
    assert.ok(results.retried.length >= 1, 'the spoiled try is listed as a harness fault');
    assert.ok(results.runs.every((run) => run.outcome !== 'harness-fault'), results.runs.map((run) => run.cause).join('; '));
    assert.ok(results.runs.some((run) => run.attempt > 1), 'one repetition counted from a later try');
    assert.equal(await engine.docker(['ps', '-aq', '--filter', `label=gomemlimit-lab.pid=${subprocess.pid}`]), '', 'nothing left on the engine');
  } finally {
    await engine.remove();
  }
});
