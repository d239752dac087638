import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestResult, Termination } from '../model/results.js';
import { classifyRepetition, type OutcomeInput } from './outcome.js';

const MiB = 2 ** 20;
const LIMIT = 400 * MiB;
const ok: RequestResult = { seq: 0, startedAt: '2026-12-06T06:00:00Z', status: 200, latencyMs: 6000, error: '', errorKind: null };
const eof: RequestResult = { ...ok, status: 0, error: 'Get "http://127.0.0.1:5500/bulk": EOF', errorKind: 'eof' };
const timeout: RequestResult = { ...ok, status: 0, error: 'Get "http://127.0.0.1:5500/bulk": context deadline exceeded', errorKind: 'timeout' };
const http500: RequestResult = { ...ok, status: 500, error: '', errorKind: 'http' };
const exit = (exitCode: number | null, reason: string, oomKilled = false): Termination => ({ at: '2026-12-06T06:00:05Z', exitCode, reason, oomKilled });

const input = (over: Partial<OutcomeInput>): OutcomeInput => ({ requests: [ok], expected: 1, terminations: [], oomKillsCounted: 0, peakBytes: 300 * MiB, limitBytes: LIMIT, ...over });

test('each kind of evidence alone is an OOM kill, and the repetition says which it found', () => {
  const cases: [Partial<OutcomeInput>, string[]][] = [
    [{ oomKillsCounted: 1, terminations: [exit(137, 'Error')] }, ['cgroup oom_kill counter']],
    [{ oomKillsCounted: null, oomKillsLogged: 1, terminations: [exit(137, 'Error')] }, ['kernel log']],
    [{ oomKillsCounted: null, terminations: [exit(137, 'OOMKilled', true)] }, ['runtime label OOMKilled']],
    // The cgroup went with the kill before a poll, the label said Error: exit 137 at the limit still tells.
    [{ oomKillsCounted: null, terminations: [exit(137, 'Error')], peakBytes: 399.9 * MiB }, ['exit 137 at the limit']],
    [{ oomKillsCounted: 1, oomKillsLogged: 1, terminations: [exit(137, 'OOMKilled', true)], peakBytes: 400 * MiB }, ['cgroup oom_kill counter', 'kernel log', 'runtime label OOMKilled', 'exit 137 at the limit']],
  ];
  for (const [over, evidence] of cases) {
    const verdict = classifyRepetition(input({ requests: [eof], ...over }));
    assert.equal(verdict.outcome, 'oom-killed', JSON.stringify(over));
    assert.deepEqual(verdict.killEvidence, evidence);
    assert.equal(verdict.oomKills, 1);
  }
});

test('kills across restarts count as the most any one source saw', () => {
  const verdict = classifyRepetition(input({ requests: [eof], oomKillsCounted: 2, terminations: [exit(137, 'OOMKilled', true)] }));
  assert.equal(verdict.oomKills, 2);
  assert.match(verdict.cause, /^OOM-killed ×2 \(cgroup oom_kill counter, runtime label OOMKilled\)$/);
});

test('a kill from outside (docker kill: exit 137 far from the limit, no counter, no label) is failed, not oom-killed', () => {
  const verdict = classifyRepetition(input({ requests: [eof], oomKillsCounted: 0, terminations: [exit(137, 'Error')], peakBytes: 12 * MiB }));
  assert.equal(verdict.outcome, 'failed');
  assert.match(verdict.cause, /killed \(SIGKILL\) with no sign of the OOM killer: exit 137 \(Error\), peak 12\.0 MiB of 400\.0 MiB/);
  assert.equal(classifyRepetition(input({ requests: [eof], terminations: [exit(2, 'Error')] })).cause, 'the service ended: exit 2 (Error)');
  assert.equal(classifyRepetition(input({ requests: [http500] })).outcome, 'failed');
});

test("requests lost while the service stayed up are the lab's fault, not the service's", () => {
  const lost = classifyRepetition(input({ requests: [timeout] }));
  assert.equal(lost.outcome, 'harness-fault');
  assert.match(lost.cause, /^request 0 failed \(timeout: .*\) while the service stayed up$/);
  assert.equal(classifyRepetition(input({ requests: [], expected: 1 })).outcome, 'harness-fault', 'vegeta returned nothing');
  assert.deepEqual(classifyRepetition(input({})), { outcome: 'survived', cause: '1/1 requests answered whole', killEvidence: [], oomKills: 0 });
});

test("a memory probe that died under a living service is the lab's fault; a death it saw still counts", () => {
  const lost = classifyRepetition(input({ probeLosses: 1 }));
  assert.equal(lost.outcome, 'harness-fault');
  assert.match(lost.cause, /^the memory probe was lost once while the service stayed up/);
  assert.equal(classifyRepetition(input({ probeLosses: 2, oomKillsCounted: 1, terminations: [exit(137, 'OOMKilled', true)] })).outcome, 'oom-killed');
  assert.equal(classifyRepetition(input({ probeLosses: 1, requests: [http500] })).outcome, 'failed');
});
