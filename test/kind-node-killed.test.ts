// The kind node's container killed in the middle of a run: the repetition in flight is the lab's fault, the node
// does not come back by itself, so the run stops with one line, keeps what it had, and leaves no cluster behind.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { readResults } from '../lab/report/write.js';
import { SEED_GO, inRequest, spawnLab, whileRunning } from './helpers.js';

const NODE = 'gomemlimit-lab-control-plane';
const kindNodes = async () => (await execa('docker', ['ps', '-aq', '--filter', 'label=io.x-k8s.kind.cluster=gomemlimit-lab'])).stdout.trim();

test("the kind node's container killed mid-request: one line, a non-zero exit, the finished repetition kept, no cluster left", { timeout: 20 * 60_000 }, async () => {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'lab-fault-kind-node-')), 'run');
  const subprocess = spawnLab(['--runtime', 'kind', '--variants', 'gomemlimit', '--reps', '3', '--parallel', '1', '--go', SEED_GO, '--out', out], { all: true });
  let output = '';
  subprocess.all!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  // The second repetition's request: the first is finished and must survive the fault.
  const killAfterFirst = inRequest(subprocess.pid, async () => void (await execa('docker', ['kill', NODE])));
  const killed = await whileRunning(subprocess, async () => output.includes('[2/3]') && (await killAfterFirst()), 15 * 60);
  const result = await subprocess;
  assert.ok(killed, `the node was killed during the second repetition:\n${output}`);
  assert.notEqual(result.exitCode, 0, output);
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('error: '));
  assert.equal(errors.length, 1, result.stderr);
  assert.match(errors[0]!, new RegExp(`the runtime cannot go on: the kind node ${NODE} is exited`));
  const results = await readResults(out);
  assert.equal(results.complete, false);
  assert.ok(results.runs.length >= 1, 'the finished repetition is kept');
  assert.ok(results.retried.length >= 1, 'the spoiled try is listed as a harness fault');
  assert.match(results.retried[0]!.cause, new RegExp(`; the kind node ${NODE} is exited`));
  assert.equal(await kindNodes(), '', 'the cluster the run created is deleted');
  const clean = await spawnLab(['clean'], {});
  assert.equal(clean.exitCode, 0, clean.stderr);
  assert.equal(await kindNodes(), '');
});
