import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeResultsFixture } from '../../test/fixtures/results-fixture.js';
import type { RetriedFault, RunRecord } from '../model/results.js';
import type { RunSpec } from '../model/plan.js';
import { awaitRuntime, withRetries, type RetryPolicy } from './retry.js';

const survived = makeResultsFixture().runs.find((run) => run.survived)!;
const fault: RunRecord = { ...survived, survived: false, outcome: 'harness-fault', cause: 'request 0 failed (timeout: deadline exceeded) while the service stayed up' };
const run = { id: 'gomemlimit-1', variant: 'gomemlimit' } as RunSpec;

function policy(retries: number, signal = new AbortController().signal): RetryPolicy & { lines: string[]; retried: RetriedFault[] } {
  const lines: string[] = [];
  const retried: RetriedFault[] = [];
  return { retries, signal, progress: { info: (line: string) => lines.push(line) }, triedAgain: (fault) => retried.push(fault), unavailable: async () => null, retried, lines };
}

/** A try function that gives these results in turn (an Error is thrown). */
const tries = (...results: (RunRecord | Error)[]) => {
  let index = 0;
  return async () => {
    const next = results[index++]!;
    if (next instanceof Error) throw next;
    return next;
  };
};

test('a harness fault is tried again and the try that counted says which it was', async () => {
  const p = policy(2);
  const record = await withRetries(run, p, tries(fault, survived));
  assert.deepEqual([record.outcome, record.attempt], ['survived', 2]);
  assert.equal(p.retried.length, 1);
  assert.deepEqual([p.retried[0]!.attempt, p.retried[0]!.cause], [1, fault.cause]);
  assert.match(p.lines[0]!, /^gomemlimit-1: harness fault, not counted \(request 0 failed .*\); trying again \(2 of 3\)$/);
});

test('a service death is never retried; a fault left after the retries is returned as one', async () => {
  const killed = makeResultsFixture().runs.find((run) => run.outcome === 'oom-killed')!;
  const p = policy(2);
  assert.equal((await withRetries(run, p, tries(killed, survived))).outcome, 'oom-killed');
  assert.equal(p.retried.length, 0);
  const spent = policy(2);
  const left = await withRetries(run, spent, tries(fault, fault, fault, survived));
  assert.deepEqual([left.outcome, left.attempt, spent.retried.length], ['harness-fault', 3, 2]);
  assert.equal((await withRetries(run, policy(0), tries(fault, survived))).outcome, 'harness-fault', '--retries 0');
});

test('an engine error is retried as a fault, and thrown once the retries are spent; Ctrl-C is never retried', async () => {
  const p = policy(1);
  assert.equal((await withRetries(run, p, tries(new Error('engine: connection reset'), survived))).attempt, 2);
  assert.equal(p.retried[0]!.cause, 'the lab failed: engine: connection reset');
  await assert.rejects(withRetries(run, policy(1), tries(new Error('a'), new Error('b'))), /^Error: b$/);
  const controller = new AbortController();
  controller.abort('SIGINT');
  await assert.rejects(withRetries(run, policy(2, controller.signal), tries(new Error('stopped'), survived)), /stopped/);
});

test('a retry waits for a runtime that is down (an engine restart) and says so once; one that stays down stops the run', async () => {
  const p = policy(2);
  let downFor = 2;
  p.unavailable = async () => (downFor-- > 0 ? { reason: 'the Docker engine does not answer (connect ENOENT)' } : null);
  const record = await withRetries(run, p, tries(new Error('connect ENOENT /var/run/docker.sock'), survived));
  assert.equal(record.attempt, 2);
  assert.equal(p.lines.filter((line) => line.startsWith('waiting up to')).length, 1, p.lines.join('\n'));
  assert.match(p.retried[0]!.cause, /^the lab failed: connect ENOENT .*; the Docker engine does not answer/);
  const away = { ...policy(2), recoverySeconds: 1, unavailable: async () => ({ reason: 'the API server is not ready (refused)' }) };
  await assert.rejects(awaitRuntime(away), /^Error: the runtime did not come back within 1 s: the API server is not ready \(refused\)$/);
  await assert.rejects(withRetries(run, away, tries(fault, survived)), /did not come back/);
  const gone = { ...policy(2), unavailable: async () => ({ reason: 'the kind node is exited (exit 137)', lasting: true }) };
  const before = performance.now();
  await assert.rejects(awaitRuntime(gone), /^Error: the runtime cannot go on: the kind node is exited \(exit 137\)$/);
  assert.ok(performance.now() - before < 500, 'a lasting reason is not waited out');
});
