import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGcLine, parseGcTrace, summariseGcTrace } from './gctrace.js';

// From the seed article (Go 1.2x, with stacks/globals).
const ARTICLE_15 =
  'gc 15 @248.448s 0%: 0.061+280+0.041 ms clock, 0.12+0/89/2.9+0.082 ms cpu, 309->309->260 MB, 234 MB goal, 0 MB stacks, 0 MB globals, 2 P';
const ARTICLE_20 =
  'gc 20 @93.821s 0%: 0.066+193+0.004 ms clock, 0.13+0/2.6/3.6+0.009 ms cpu, 359->359->197 MB, 330 MB goal, 0 MB stacks, 0 MB globals, 2 P';
// Legacy format without "MB stacks, MB globals".
const LEGACY =
  'gc 1 @0.012s 2%: 0.018+1.2+0.003 ms clock, 0.036+0.11/0.98/0.50+0.007 ms cpu, 4->4->0 MB, 4 MB goal, 2 P';
const FORCED =
  'gc 7 @12.345s 1%: 0.020+0.50+0.004 ms clock, 0.080+0/0.40/0.10+0.016 ms cpu, 1->1->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 4 P (forced)';

// Real stderr from a throwaway allocating program, go1.26.8 linux/amd64, GODEBUG=gctrace=1.
const GO1_26_8 = [
  'gc 4 @0.003s 15%: 0.021+0.32+0.002 ms clock, 0.043+0.078/0.027/0+0.005 ms cpu, 45->50->50 MB, 52 MB goal, 0 MB stacks, 0 MB globals, 2 P',
  'gc 5 @0.003s 15%: 0.022+0.40+0.003 ms clock, 0.044+0.038/0.19/0+0.006 ms cpu, 86->97->72 MB, 100 MB goal, 0 MB stacks, 0 MB globals, 2 P',
  'gc 7 @0.047s 1%: 0.025+0.087+0.002 ms clock, 0.050+0/0.083/0.044+0.005 ms cpu, 100->100->75 MB, 150 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)',
];

test('parses the article line field by field', () => {
  assert.deepEqual(parseGcLine(ARTICLE_15), {
    cycle: 15,
    atSeconds: 248.448,
    cpuPercent: 0,
    clockMs: { sweepTermination: 0.061, concurrent: 280, markTermination: 0.041 },
    cpuMs: { sweepTermination: 0.12, assist: 0, background: 89, idle: 2.9, markTermination: 0.082 },
    heapStartMB: 309,
    heapEndMB: 309,
    liveMB: 260,
    goalMB: 234,
    stacksMB: 0,
    globalsMB: 0,
    procs: 2,
    forced: false,
  });
  const c = parseGcLine(ARTICLE_20);
  assert.equal(c?.cycle, 20);
  assert.equal(c?.heapStartMB, 359);
  assert.equal(c?.goalMB, 330);
  assert.equal(c?.cpuMs.background, 2.6);
});

test('legacy line without stacks/globals gives nulls', () => {
  const c = parseGcLine(LEGACY);
  assert.ok(c);
  assert.equal(c.stacksMB, null);
  assert.equal(c.globalsMB, null);
  assert.equal(c.cpuPercent, 2);
  assert.equal(c.liveMB, 0);
  assert.equal(c.procs, 2);
});

test('forced cycles', () => {
  const c = parseGcLine(FORCED);
  assert.equal(c?.forced, true);
  assert.equal(c?.procs, 4);
  assert.equal(parseGcLine(ARTICLE_15)?.forced, false);
});

test('real go1.26.8 lines', () => {
  const cs = GO1_26_8.map(parseGcLine);
  assert.deepEqual(cs.map((c) => c?.cycle), [4, 5, 7]);
  assert.deepEqual(cs.map((c) => c?.forced), [false, false, true]);
  assert.equal(cs[1]?.cpuMs.idle, 0);
  assert.equal(cs[1]?.liveMB, 72);
});

test('tolerates prefixes, CRLF and the goroutine-leak annotation', () => {
  assert.equal(parseGcLine(`2026-11-29T10:00:00.123456789Z ${ARTICLE_15}`)?.cycle, 15);
  assert.equal(parseGcLine(`[pod/app-7f9c/app] ${FORCED}`)?.forced, true);
  assert.equal(parseGcLine(`${LEGACY}\r`)?.cycle, 1);
  const leak = ARTICLE_20.replace('0%:', '0% (checking for goroutine leaks):');
  assert.equal(parseGcLine(leak)?.cpuPercent, 0);
});

test('rejects non-gctrace and truncated lines without throwing', () => {
  const bad = [
    '',
    '   ',
    '{"level":"info","msg":"listening","port":8080}',
    `{"msg":"${ARTICLE_15}"}`,
    'scav 0 KiB work (bg), 0 KiB work (eager), 2048 KiB now, 99% util',
    'scvg: 0 MB released',
    'scvg1: inuse: 3, idle: 0, sys: 4, released: 0, consumed: 4 (MB)',
    'pacer: assist ratio=+1.2e+000 (scan 0 MB in 4->4 MB) workers=1++0.000000e+000',
    'pacer: 25% CPU (25 exp.) for 1024+512+0 B work (2048 B exp.) in 4194304 B -> 4194304 B (∆goal 0, cons/mark +0e+000)',
    'gc 3 @0.5s',
    'gc 21 @95.112s 0%: 0.05+1',
    ARTICLE_15.slice(0, -4),
    ARTICLE_15.slice(0, -2), // cut inside "2 P"
    'xgc 1 @0.012s 2%: 0.018+1.2+0.003 ms clock, 0.036+0.11/0.98/0.50+0.007 ms cpu, 4->4->0 MB, 4 MB goal, 2 P',
  ];
  for (const line of bad) assert.equal(parseGcLine(line), null, line);
});

test('parseGcTrace keeps only cycles, in order, from a mixed log', () => {
  const log = [
    'starting server',
    ARTICLE_20,
    'scav 0 KiB work (bg), 0 KiB work (eager), 2048 KiB now, 99% util',
    ...GO1_26_8,
    'gc 8 @0.049s 1%: 0.02+0.1', // SIGKILL mid-write
  ].join('\n');
  assert.deepEqual(parseGcTrace(log).map((c) => c.cycle), [20, 4, 5, 7]);
  assert.deepEqual(parseGcTrace(''), []);
});

test('summariseGcTrace', () => {
  assert.deepEqual(summariseGcTrace(parseGcTrace([ARTICLE_20, ARTICLE_15].join('\n'))), {
    cycles: 2,
    lastHeapGoalMB: 234,
    lastLiveMB: 260,
    maxHeapStartMB: 359,
    gcCpuPercent: 0,
  });
  assert.deepEqual(summariseGcTrace([]), {
    cycles: 0,
    lastHeapGoalMB: null,
    lastLiveMB: null,
    maxHeapStartMB: null,
    gcCpuPercent: null,
  });
});
