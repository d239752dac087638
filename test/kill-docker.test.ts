import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { execa } from 'execa';
import { readResults } from '../lab/report/write.js';
import { SEED_GO, containersOf, spawnLab } from './helpers.js';

// A kill from outside is not the OOM killer: exit 137 far below the limit, no counter, no kernel record, no label.
test('docker kill in the middle of the request: failed, with why, not oom-killed', { timeout: 5 * 60_000 }, async () => {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'lab-kill-')), 'run');
  const subprocess = spawnLab(['--runtime', 'docker', '--variants', 'gomemlimit', '--reps', '1', '--parallel', '1', '--retries', '0', '--go', SEED_GO, '--out', out], {});
  let killed = '';
  const killer = (async () => {
    for (let i = 0; i < 600 && !killed; i++) {
      const id = await containersOf(subprocess.pid);
      // Once the sample has begun its marshal, the request is in flight: kill it there.
      const logs = id ? (await execa('docker', ['logs', id], { reject: false, all: true })).all ?? '' : '';
      if (id && /"msg":"marshal response"/.test(`${logs}`)) {
        await execa('docker', ['kill', id]);
        killed = id;
      } else await sleep(100);
    }
  })();
  const result = await subprocess;
  await killer;
  assert.ok(killed, 'the container was killed in the middle of its request');
  assert.equal(result.exitCode, 0, result.stderr);
  const run = (await readResults(out)).runs[0]!;
  assert.equal(run.outcome, 'failed', run.cause);
  assert.deepEqual(run.killEvidence, []);
  assert.match(run.cause, /killed \(SIGKILL\) with no sign of the OOM killer: exit 137/);
  assert.equal(await containersOf(subprocess.pid), '', 'no container is left behind');
});
