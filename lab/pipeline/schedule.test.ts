// The pipeline's rules on a fake runtime (test/fake): outcomes, harness-fault retries, auto's back-off, Ctrl-C with
// repetitions in flight, a failed save. No engine: each instance is a loopback server, vegeta a stand-in.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { FakeRuntime, type FakeFate } from '../../test/fake/runtime.js';
import { REPO_ROOT } from '../paths.js';
import { planRuns, type RunSpec } from '../model/plan.js';
import { PINNED_GO } from '../model/go-choice.js';
import { loadScenario } from '../model/scenario.js';
import { flavourKey } from '../model/variants.js';
import { silentProgress } from '../progress.js';
import { InterruptedError } from '../errors.js';
import type { ConcurrencyChoice } from '../concurrency.js';
import type { LabContext } from './context.js';
import { startHarnessMeter } from './harness.js';
import { RunLedger } from './ledger.js';
import { runScheduled } from './schedule.js';
import { saveResults } from './save.js';

const FAKE_VEGETA = path.join(REPO_ROOT, 'test/fake/vegeta.mjs');
const runFolders: string[] = [];
after(() => Promise.all(runFolders.map((dir) => rm(dir, { recursive: true, force: true }))));

async function contextFor(fate: (run: RunSpec, attempt: number) => FakeFate, options: { reps?: number; parallel?: number | 'auto'; retries?: number; answerMs?: number; signal?: AbortSignal } = {}) {
  await chmod(FAKE_VEGETA, 0o755);
  const plan = planRuns(await loadScenario('seed'), { runtime: 'docker', reps: options.reps ?? 2, go: PINNED_GO });
  const runtime = new FakeRuntime(fate, options.answerMs);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lab-schedule-'));
  runFolders.push(dir);
  await mkdir(path.join(dir, 'logs'));
  const parallel = options.parallel ?? 1;
  const concurrency: ConcurrencyChoice = { parallel: parallel === 'auto' ? 4 : parallel, requested: parallel, reason: 'test' };
  const lines: string[] = [];
  const context: LabContext = {
    runId: 'fake',
    plan,
    options: { scenario: 'seed', runtime: 'docker', retries: options.retries },
    runtime,
    progress: { ...silentProgress, info: (line) => lines.push(line) },
    signal: options.signal ?? new AbortController().signal,
    startedAt: new Date().toISOString(),
    harness: startHarnessMeter(),
    runtimeInfo: null,
    concurrency,
    dir,
    built: { samples: Object.fromEntries(plan.variants.map((v) => [flavourKey(v.build), { image: 'fake', binary: 'fake', goVersion: 'go1.26.8', fallback: null }])), failed: {}, vegeta: FAKE_VEGETA, versions: {} },
    toolVersions: {},
    notApplicable: [],
    variants: plan.variants,
    ledger: new RunLedger(),
    results: null,
  };
  return { context, runtime, lines, runs: plan.runs };
}

test('outcomes come from what happened: the OOM-killed and the answered, each with its cause', async () => {
  const { context, runs } = await contextFor((run) => (run.variant === 'baseline' ? 'oom' : 'survive'));
  const records = await runScheduled(context, runs, (i, n) => `[${i + 1}/${n}]`);
  assert.deepEqual(records.map((r) => [r.variant, r.outcome]), runs.map((run) => [run.variant, run.variant === 'baseline' ? 'oom-killed' : 'survived']));
  const killed = records.find((r) => r.outcome === 'oom-killed')!;
  assert.deepEqual(killed.killEvidence, ['runtime label OOMKilled']);
  const results = await saveResults(context, { complete: true, reason: null });
  assert.deepEqual(results.variants.map((v) => [v.name, v.survivedRepetitions, v.repetitions]), [['baseline', 0, 2], ['gomemlimit', 2, 2]]);
});

test('harness faults are tried again and never counted; a start the engine refuses is one too', async () => {
  const { context, runs, lines } = await contextFor((run, attempt) => (run.rep === 1 && attempt === 1 ? (run.variant === 'baseline' ? 'start-fails' : 'crash-vegeta') : 'survive'));
  const records = await runScheduled(context, runs, (i, n) => `[${i + 1}/${n}]`);
  assert.ok(records.every((r) => r.outcome === 'survived'));
  assert.deepEqual(records.filter((r) => r.rep === 1).map((r) => r.attempt), [2, 2]);
  const { retried } = context.ledger.snapshot();
  assert.equal(retried.length, 2);
  assert.ok(retried.some((fault) => /engine: cannot start/.test(fault.cause)));
  assert.equal(lines.filter((line) => /harness fault, not counted/.test(line)).length, 2);
});

test('a fault that outlasts its retries is left as one, and counts nowhere', async () => {
  const { context, runs } = await contextFor((run) => (run.variant === 'gomemlimit' && run.rep === 1 ? 'crash-vegeta' : 'survive'), { retries: 1 });
  await assert.rejects(runScheduled(context, runs, (i, n) => `[${i + 1}/${n}]`), /vegeta|exit code 137|Command failed/);
});

test('auto steps down after starved repetitions; a chosen number does not', async () => {
  const { context, runs, runtime } = await contextFor(() => 'survive', { reps: 4, parallel: 'auto' });
  // The fake cannot starve, so the rule is fed one starved record through the same path the pipeline uses.
  const { backOff } = await import('../concurrency.js');
  context.concurrency = backOff(context.concurrency!, { id: 'x', starvedBecause: 'host CPU pressure 0.97 ≥ 0.9' })!;
  await runScheduled(context, runs, (i, n) => `[${i + 1}/${n}]`);
  assert.ok(runtime.maxInFlight <= 3, `${runtime.maxInFlight} in flight after stepping down to 3`);
});

test('Ctrl-C with repetitions in flight: no new one starts, those in flight end and are removed, only finished ones are kept', async () => {
  const controller = new AbortController();
  const { context, runs, runtime } = await contextFor(() => 'survive', { reps: 4, parallel: 2, answerMs: 300, signal: controller.signal });
  setTimeout(() => controller.abort('SIGINT'), 150);
  await assert.rejects(runScheduled(context, runs, (i, n) => `[${i + 1}/${n}]`), InterruptedError);
  assert.ok(runtime.started.length <= 3, `started ${runtime.started.length} of 8`);
  assert.deepEqual([...runtime.stopped].sort(), [...runtime.started].sort(), 'every instance started was stopped');
  assert.ok(context.ledger.finishedCount < runtime.started.length + 1);
});

test('a failed save stops the run with its error; the finished repetitions stay in the ledger', async () => {
  const { context, runs, runtime } = await contextFor(() => 'survive');
  await mkdir(path.join(context.dir!, 'results.json')); // results.json cannot be written: a directory is in its place
  await assert.rejects(runScheduled(context, runs, (i, n) => `[${i + 1}/${n}]`), /EISDIR|ENOTEMPTY|EEXIST|directory/);
  assert.equal(context.ledger.finishedCount, 1, 'the repetition before the failed save is kept');
  assert.equal(runtime.started.length, 1, 'no repetition starts after a failed save');
});

