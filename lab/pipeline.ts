import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildRunRecord } from './analyse/summarise.js';
import { ensureEngine } from './engine.js';
import { InterruptedError, UsageError, errorMessage } from './errors.js';
import { startSampler } from './observe/sampler.js';
import { checkOutDir, createOutDir, defaultOutDir } from './outdir.js';
import { planRuns, type Plan, type RunSpec, type RuntimeName } from './plan.js';
import { silentProgress, type Progress } from './progress.js';
import { writeReports } from './report/write.js';
import type { Results, RunRecord } from './report/results.js';
import type { Runtime } from './runtimes/runtime.js';
import { loadScenario } from './scenario.js';
import { assembleResults, type RunContext } from './stages/analyse.js';
import { build, type BuildOutput } from './stages/build.js';
import { searchFrontiers } from './stages/frontier.js';
import { deploy } from './stages/deploy.js';
import { drive } from './stages/drive.js';
import { settledStatus } from './stages/observe.js';
import { createRuntime, provision, type RuntimeOptions } from './stages/provision.js';
import { goVersion } from './tools/go.js';
import { flavourKey } from './variants.js';

export interface LabOptions extends RuntimeOptions {
  scenario: string;
  runtime: RuntimeName;
  reps?: number;
  variants?: string[];
  out?: string;
}

export interface LabOutcome {
  dir: string;
  results: Results;
}

/** Validates everything that needs no side effect; any problem is a UsageError before anything starts. */
export async function preparePlan(options: LabOptions): Promise<Plan> {
  const scenario = await loadScenario(options.scenario);
  await checkOutDir(options.out);
  const plan = planRuns(scenario, { runtime: options.runtime, reps: options.reps, variants: options.variants });
  const runtime = createRuntime(options.runtime, 'check', options, silentProgress); // refuses what a runtime cannot take
  const rebuilt = plan.variants.find((variant) => flavourKey(variant.build) !== 'local');
  if (runtime.capabilities.image === 'pushed' && rebuilt) {
    throw new UsageError(`variant ${rebuilt.name} needs its own build (${flavourKey(rebuilt.build)}), but --runtime ${options.runtime} runs the one pushed --image: use docker or kind`);
  }
  return plan;
}

function newRunId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

async function runRepetition(
  runtime: Runtime,
  built: BuildOutput,
  run: RunSpec,
  dir: string,
  signal: AbortSignal,
): Promise<RunRecord> {
  const startedAt = new Date();
  const instance = await deploy(runtime, run, built.samples[flavourKey(run.build)]!.image);
  try {
    const sampler = startSampler(instance.memory, 20);
    const requests = await drive(built.vegeta, instance, run, signal);
    const status = await settledStatus(instance, requests);
    const memory = await sampler.stop();
    const logs = await instance.logs();
    const logFile = path.join('logs', `${run.id}.log`);
    await writeFile(path.join(dir, logFile), logs);
    return buildRunRecord(run, {
      instanceId: instance.id,
      startedAt: startedAt.toISOString(),
      wallSeconds: (Date.now() - startedAt.getTime()) / 1000,
      requests,
      status,
      memory,
      logs,
      logFile,
    });
  } finally {
    await instance.stop();
  }
}

function imageVersions(built: BuildOutput): Record<string, string> {
  return Object.fromEntries(Object.entries(built.samples).map(([key, sample]) => [key === 'local' ? 'image' : `image (${key})`, sample.image]));
}

function describeRecord(record: RunRecord): string {
  const verdict = record.survived ? 'survived' : record.oomKills > 0 ? `OOMKilled ×${record.oomKills}` : 'failed';
  const peak = record.memory.peakBytes === null ? 'n/a' : `${(record.memory.peakBytes / 2 ** 20).toFixed(0)} MiB`;
  const gc = record.processes.reduce((sum, process) => sum + process.gcCycles.length, 0);
  return `${record.id}: ${verdict}, ${record.successes}/${record.attempts} requests ok, peak ${peak}, ${gc} GC cycles, restarts ${record.restarts} (${record.wallSeconds.toFixed(1)} s)`;
}

/**
 * Runs the whole pipeline: plan -> build -> provision -> (deploy -> drive -> observe) per repetition -> analyse -> report.
 * results.json is rewritten after every repetition, so a crash or Ctrl-C still leaves an (incomplete) record.
 */
export async function runLab(options: LabOptions, progress: Progress, signal: AbortSignal): Promise<LabOutcome> {
  const plan = await preparePlan(options);
  await goVersion();
  const runId = newRunId();
  const runtime = createRuntime(options.runtime, runId, options, progress);
  if (runtime.capabilities.localEngine) await ensureEngine(progress);
  await runtime.check();
  const context: RunContext = {
    runId,
    plan,
    // A frontier search adds each probe as a variant of its own as it goes.
    variants: plan.frontier ? [] : plan.variants,
    startedAt: new Date().toISOString(),
    runtimeInfo: null,
    toolVersions: {},
  };
  const records: RunRecord[] = [];
  let dir: string | null = null;
  const save = async (complete: boolean, reason: string | null) => {
    const results = assembleResults(context, records, { complete, reason });
    // Between repetitions only the data: charts of a growing run cost more each time; the end renders them.
    if (dir) await writeReports(dir, results, { dataOnly: reason === 'in progress' });
    return results;
  };
  try {
    context.runtimeInfo = await provision(runtime, progress);
    dir = await createOutDir(options.out ? path.resolve(options.out) : defaultOutDir(plan.scenario.name), Boolean(options.out));
    await mkdir(path.join(dir, 'logs'));
    progress.info(`results go to ${path.relative(process.cwd(), dir) || dir}`);
    const built = await build(progress, plan.variants.map((variant) => variant.build), { image: runtime.capabilities.image === 'local' });
    context.toolVersions = { ...built.versions, ...imageVersions(built) };
    const execute = async (run: RunSpec, label: string): Promise<RunRecord> => {
      if (signal.aborted) throw new InterruptedError(String(signal.reason ?? 'signal'));
      progress.step(`${label} ${run.id}: ${run.request.count} × GET ${run.request.path} (${run.request.bodyMiB} MiB) under ${(run.memoryLimitBytes / 2 ** 20).toFixed(0)} MiB`);
      const record = await runRepetition(runtime, built, run, dir!, signal);
      records.push(record);
      progress.info(describeRecord(record));
      await save(false, 'in progress');
      return record;
    };
    if (plan.frontier) {
      await searchFrontiers(plan, plan.frontier, context, execute, progress);
    } else {
      for (const [index, run] of plan.runs.entries()) await execute(run, `[${index + 1}/${plan.runs.length}]`);
    }
    progress.step('writing reports');
    const results = await save(true, null);
    return { dir, results };
  } catch (error) {
    const reason = signal.aborted ? `interrupted (${String(signal.reason ?? 'signal')})` : errorMessage(error).split('\n')[0]!;
    if (dir) await save(false, reason).catch(() => {});
    throw signal.aborted ? new InterruptedError(String(signal.reason ?? 'signal')) : error;
  } finally {
    await runtime.teardown().catch(() => {});
  }
}
