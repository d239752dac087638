import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readResults } from '../lab/report/write.js';
import { SEED_GO, containersOf, spawnLab, vegetaAttacksOf } from './helpers.js';


// The seed experiment on the real Docker engine: real cgroup limits, real OOM kills, real gctrace.
test('seed on docker: baseline is OOM-killed, GOMEMLIMIT returns the body, reports hold the charts', { timeout: 15 * 60_000 }, async () => {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'lab-seed-')), 'run');
  const subprocess = spawnLab(['--runtime', 'docker', '--reps', '4', '--go', SEED_GO, '--out', out], {});
  // Each repetition is a fresh container of its own; by default several run side by side (--parallel auto).
  let mostAtOnce = 0;
  const watch = setInterval(() => {
    void containersOf(subprocess.pid).then((ids) => (mostAtOnce = Math.max(mostAtOnce, ids ? ids.split('\n').length : 0)));
  }, 500);
  const result = await subprocess;
  clearInterval(watch);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, /baseline\s+survived [01]\/4/);

  const results = await readResults(out);
  const execution = results.execution!;
  assert.equal(execution.requested, 'auto');
  // auto starts at 4 on two cores and steps down after each starved repetition (README, "The parallel effect").
  const startedAt = execution.parallel + execution.backoffs.length;
  assert.ok(mostAtOnce >= 2 && mostAtOnce <= startedAt, `${mostAtOnce} containers at once, ${startedAt} allowed`);
  for (const backoff of execution.backoffs) assert.ok(results.runs.find((run) => run.id === backoff.after)?.contention?.starvedBecause, `${backoff.after} was starved`);
  assert.equal(execution.order.length, 8);
  assert.ok(results.environment.harness!.peakRssBytes < 300 * 2 ** 20, `harness RSS ${results.environment.harness!.peakRssBytes}`);
  assert.equal(results.schemaVersion, 2);
  assert.equal(results.runtime, 'docker');
  assert.equal(results.scenario, 'seed');
  assert.equal(results.complete, true);
  const baseline = results.variants.find((variant) => variant.name === 'baseline')!;
  const gomemlimit = results.variants.find((variant) => variant.name === 'gomemlimit')!;

  // Baseline: killed by the kernel for memory, exit 137, no response: the seed's claim, 0 of n. Measured here, no
  // repetition that was not starved survived (0 of 200 one at a time); starved ones, side by side before auto backs
  // off, survived 2 of 200 (README, "The parallel effect"), so only those may.
  const calmSurvivors = results.runs.filter((run) => run.variant === 'baseline' && run.survived && !run.contention?.starvedBecause);
  assert.deepEqual(calmSurvivors.map((run) => run.id), [], 'a baseline repetition that was not starved survived');
  assert.ok(baseline.survivedRepetitions <= 1, `baseline survived ${baseline.survivedRepetitions}/4`);
  assert.equal(baseline.successes, baseline.survivedRepetitions);
  assert.equal(baseline.oomKills, 4 - baseline.survivedRepetitions);
  for (const run of results.runs.filter((candidate) => candidate.variant === 'baseline' && !candidate.survived)) {
    assert.deepEqual(run.terminations.map((termination) => [termination.reason, termination.exitCode]), [['OOMKilled', 137]]);
    assert.ok(run.processes[0]!.gcCycles.length > 0, 'gctrace before the kill is kept');
    // The sample's starting line was read (it names the cgroup limit), and it said no GOMEMLIMIT (MaxInt64 reads as null).
    assert.equal(run.processes[0]!.cgroupMemoryLimitBytes, 400 * 2 ** 20, 'the starting line was read');
    assert.equal(run.processes[0]!.goMemoryLimitBytes, null, 'no GOMEMLIMIT in force');
  }
  // GOMEMLIMIT: the limit is in force and the body comes back in most repetitions, a rate and not a certainty.
  // Measured on this machine: 16 of 17 repetitions survived; at a true 80% this bound fails in under 3% of runs.
  assert.ok(gomemlimit.survivedRepetitions >= 2, `gomemlimit survived ${gomemlimit.survivedRepetitions}/4`);
  for (const run of results.runs.filter((candidate) => candidate.variant === 'gomemlimit')) {
    assert.equal(run.processes[0]!.goMemoryLimitBytes, 419430400);
    assert.equal(run.processes[0]!.cgroupMemoryLimitBytes, 419430400);
  }
  // Memory was sampled at >= 10 Hz from the container's cgroup, and peaks near the 400Mi limit
  // (the kernel's high-water mark may pass the limit by a page or so before the kill).
  for (const run of results.runs) {
    assert.ok(run.memory.achievedHz >= 10, `${run.id} sampled at ${run.memory.achievedHz} Hz`);
    assert.ok(run.memory.peakBytes! > 300 * 2 ** 20 && run.memory.peakBytes! <= 401 * 2 ** 20, `${run.id} peak ${run.memory.peakBytes}`);
  }

  const markdown = await readFile(path.join(out, 'report.md'), 'utf8');
  assert.match(markdown, /\| baseline \| — \| [01]\/4/);
  const html = await readFile(path.join(out, 'report.html'), 'utf8');
  // The outcome-against-pressure chart wherever this machine's CPU pressure could be read (here: always).
  const pressure = results.runs.some((run) => run.contention?.hostCpuPressure != null) ? ['pressure.png', 'pressure.svg'] : [];
  assert.equal(html.match(/<svg/g)?.length, 3 + pressure.length / 2);
  assert.deepEqual((await readdir(path.join(out, 'charts'))).sort(), ['heap-per-cycle.png', 'heap-per-cycle.svg', 'memory-timeline.png', 'memory-timeline.svg', ...pressure, 'survival.png', 'survival.svg']);
  assert.match(markdown, /### Conditions/);
  const log = await readFile(path.join(out, 'logs', 'baseline-1.log'), 'utf8');
  assert.match(log, /"msg":"marshal response"/);
  assert.match(log, /gc \d+ @[\d.]+s/);
  assert.equal(await containersOf(subprocess.pid), '', 'no container is left behind');
});

test('Ctrl-C with three repetitions in flight stops every load, removes every container, keeps the finished ones', { timeout: 5 * 60_000 }, async () => {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'lab-sigint-')), 'run');
  const subprocess = spawnLab(['--runtime', 'docker', '--reps', '4', '--parallel', '3', '--go', SEED_GO, '--out', out], {});
  let stderr = '';
  subprocess.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const finishedLines = () => stderr.match(/^ {10}\S+-\d+: (survived|OOMKilled|failed)/gm)?.length ?? 0;
  // Once one repetition has finished and three containers serve requests again, interrupt.
  let inFlight = 0;
  let loads = 0;
  for (let waited = 0; waited < 180_000; waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const ids = await containersOf(subprocess.pid);
    inFlight = ids ? ids.split('\n').length : 0;
    loads = (await vegetaAttacksOf(subprocess.pid)).length;
    if (finishedLines() >= 1 && inFlight >= 3 && loads >= 3) break;
  }
  assert.ok(inFlight >= 3 && loads >= 3, `${inFlight} containers and ${loads} loads in flight before the interrupt`);
  subprocess.kill('SIGINT');
  const result = await subprocess;
  assert.equal(result.exitCode, 130, stderr);
  assert.match(stderr, /interrupted by SIGINT: the lab's containers are removed; results.json is marked incomplete/);
  const results = await readResults(out);
  assert.equal(results.complete, false);
  assert.match(results.incompleteReason ?? '', /interrupted/);
  assert.ok(results.runs.length >= 1, 'the finished repetitions are kept');
  assert.equal(results.runs.length, finishedLines(), 'exactly the repetitions that finished');
  assert.equal(await containersOf(subprocess.pid), '', 'no container is left');
  assert.deepEqual(await vegetaAttacksOf(subprocess.pid), [], 'no load generator is left');
});
