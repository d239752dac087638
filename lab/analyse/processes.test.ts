import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitProcesses, stripTimestamp } from './processes.js';

const start = (limit: number) =>
  `{"level":"info","msg":"starting","memoryLimitBytes":${limit},"cgroupMemoryLimitBytes":419430400,"time":"2026-11-29T11:24:00Z"}`;

test('logs across restarts split into one process each, with gctrace and the kill that ended it', () => {
  const log = [
    `2026-11-29T11:24:00.1Z ${start(9223372036854775807)}`,
    '2026-11-29T11:24:00.2Z gc 1 @0.01s 0%: 0.05+8.5+0.1 ms clock, 0.1+3.9/0.2/8.0+0.2 ms cpu, 32->32->32 MB, 32 MB goal, 0 MB stacks, 0 MB globals, 2 P',
    '2026-11-29T11:24:05.9Z gc 4 @5.1s 4%: 0.04+998+0.05 ms clock, 0.07+0/0.4/990+0.1 ms cpu, 372->372->303 MB, 372 MB goal, 0 MB stacks, 0 MB globals, 2 P',
    '2026-11-29T11:24:06.0Z gc 5 @5.9s 4%: 0.04+99', // cut off by the kill
    `2026-11-29T11:24:07.0Z ${start(9223372036854775807)}`,
    '2026-11-29T11:24:07.1Z gc 1 @0.01s 0%: 0.05+8.5+0.1 ms clock, 0.1+3.9/0.2/8.0+0.2 ms cpu, 32->32->32 MB, 32 MB goal, 0 MB stacks, 0 MB globals, 2 P',
    '',
  ].join('\n');
  const processes = splitProcesses(log, [{ at: '2026-11-29T11:24:06Z', exitCode: 137, reason: 'OOMKilled', oomKilled: true }]);
  assert.equal(processes.length, 2);
  assert.deepEqual(processes.map((process) => process.gcCycles.length), [2, 1]);
  assert.deepEqual(processes.map((process) => process.oomKilled), [true, false]);
  assert.equal(processes[0]!.gcCycles.at(-1)!.goalMB, 372);
  assert.equal(processes[0]!.cgroupMemoryLimitBytes, 419430400);
});

test('timestamps from docker and kubectl are stripped, other text is kept', () => {
  assert.equal(stripTimestamp('2026-11-29T11:24:00.123456789Z gc 1 @0.1s'), 'gc 1 @0.1s');
  assert.equal(stripTimestamp('2026-11-29T11:24:00+01:00 hello'), 'hello');
  assert.equal(stripTimestamp('gc 1 @0.1s'), 'gc 1 @0.1s');
});

test('lines printed before the "starting" line (automemlimit logs first) belong to that process, not a phantom one', () => {
  const log = [
    '2026-11-29T13:35:35.5Z {"level":"INFO","msg":"GOMEMLIMIT is updated","GOMEMLIMIT":377487360}',
    `2026-11-29T13:35:35.6Z ${start(377487360)}`,
    '2026-11-29T13:35:35.7Z gc 1 @0.01s 0%: 0.05+8.5+0.1 ms clock, 0.1+3.9/0.2/8.0+0.2 ms cpu, 32->32->32 MB, 32 MB goal, 0 MB stacks, 0 MB globals, 2 P',
    '',
  ].join('\n');
  const processes = splitProcesses(log, []);
  assert.equal(processes.length, 1);
  assert.equal(processes[0]!.goMemoryLimitBytes, 377487360);
  assert.equal(processes[0]!.gcCycles.length, 1);
});

test('a service without the sample\'s "starting" line: each restart is told by its gctrace starting again at gc 1', () => {
  const gc = (n: number, heap: number) => `gc ${n} @0.${n}s 1%: 0.05+8.5+0.1 ms clock, 0.1+3.9/0.2/8.0+0.2 ms cpu, ${heap}->${heap}->${heap} MB, ${heap} MB goal, 0 MB stacks, 0 MB globals, 2 P`;
  const log = [
    '2026-12-03T08:00:00.1Z 2026/12/03 08:00:00 ingest-service listening on :8080',
    `2026-12-03T08:00:00.2Z ${gc(1, 4)}`,
    `2026-12-03T08:00:00.3Z ${gc(2, 90)}`,
    `2026-12-03T08:00:05.1Z ${gc(1, 4)}`, // the kubelet restarted it after the OOM kill
    `2026-12-03T08:00:05.2Z ${gc(2, 60)}`,
    `2026-12-03T08:00:05.3Z ${gc(3, 120)}`,
    '',
  ].join('\n');
  const processes = splitProcesses(log, [{ at: '2026-12-03T08:00:04Z', exitCode: 137, reason: 'OOMKilled', oomKilled: true }]);
  assert.deepEqual(processes.map((process) => [process.gcCycles.length, process.oomKilled]), [[2, true], [3, false]]);
  assert.equal(processes[0]!.goMemoryLimitBytes, null);
});
