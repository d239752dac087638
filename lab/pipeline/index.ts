import { ensureEngine } from '../engine.js';
import { InterruptedError, UsageError, errorMessage } from '../errors.js';
import { checkOutDir } from '../outdir.js';
import { planRuns, type Plan } from '../model/plan.js';
import type { Progress } from '../progress.js';
import type { Runtime } from '../runtimes/runtime.js';
import type { Results } from '../model/results.js';
import { SCENARIO_DIR, loadScenario } from '../model/scenario.js';
import { serviceOverlay } from '../model/service-flags.js';
import { createRuntime } from '../runtimes/create.js';
import { takesFlag } from '../runtimes/registry.js';
import { runSteps } from '../steps.js';
import { goVersion } from '../tools/go.js';
import { fetchToolchains } from '../build/sample.js';
import { requireLocalImage } from '../tools/docker-pull.js';
import { flavourKey } from '../model/variants.js';
import { PINNED_GO } from '../model/go-choice.js';
import type { LabContext, LabOptions } from './context.js';
import { startHarnessMeter } from './harness.js';
import { saveResults } from './save.js';
import { LAB_STEPS } from './steps.js';
import { RunLedger } from './ledger.js';

export type { LabOptions } from './context.js';

export interface LabOutcome {
  dir: string;
  results: Results;
}

export interface PreparedRun {
  runId: string;
  plan: Plan;
  /** Built once: the dry run describes with it, the run runs with it. */
  runtime: Runtime;
}

/** Validates everything that needs no side effect, and builds the runtime; any problem is a UsageError before anything starts. */
export async function prepareRun(options: LabOptions, progress: Progress): Promise<PreparedRun> {
  const scenario = await loadScenario(options.scenario, SCENARIO_DIR, serviceOverlay(options));
  await checkOutDir(options.out);
  const planOptions = { runtime: options.runtime, reps: options.reps, variants: options.variants, adaptive: options.adaptive };
  let plan = planRuns(scenario, { ...planOptions, go: options.go ?? PINNED_GO });
  const runId = newRunId();
  const runtime = await createRuntime(options.runtime, runId, runtimeFlags(options, plan), progress); // refuses what a runtime cannot take
  // A pushed image was built wherever it was built: the pin cannot apply, and --go must not be claimed for it.
  if (runtime.capabilities.image === 'pushed' && !options.go) plan = planRuns(scenario, { ...planOptions, go: { version: 'local', source: 'pinned' } });
  const rebuilt = plan.variants.find((variant) => flavourKey(variant.build) !== 'local');
  if (runtime.capabilities.image === 'pushed' && rebuilt) {
    throw new UsageError(`variant ${rebuilt.name} needs its own build (${flavourKey(rebuilt.build)}), but --runtime ${options.runtime} runs the one pushed --image: use docker or kind`);
  }
  return { runId, plan, runtime };
}

/** A service's image is what a runtime that takes --image (a cluster that pulls) runs, in place of the sample's. */
function runtimeFlags(options: LabOptions, plan: Plan): LabOptions {
  const service = plan.scenario.service;
  return service && takesFlag(options.runtime, 'image') ? { ...options, image: service.image } : options;
}

function newRunId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Runs the whole pipeline: plan -> provision -> build -> repetitions (deploy, drive, observe; several at once) ->
 * analyse -> report. results.json is rewritten after every repetition, so a crash or Ctrl-C still leaves an
 * (incomplete) record.
 */
export async function runLab(options: LabOptions, progress: Progress, signal: AbortSignal): Promise<LabOutcome> {
  const { runId, plan, runtime } = await prepareRun(options, progress);
  await goVersion();
  if (runtime.capabilities.localEngine) await ensureEngine(progress);
  await runtime.check();
  // Before anything is created: a release the proxy cannot give is one line and exit 2 (the pin may fall back instead).
  if (!plan.scenario.service) await fetchToolchains(progress, plan.variants.map((variant) => variant.build), plan.go.source === 'pinned' ? plan.go.version : null);
  // A service image must be at hand before anything starts: a kind node or container cannot pull what the engine cannot.
  if (plan.scenario.service && runtime.capabilities.image === 'local') await requireLocalImage(plan.scenario.service.image, progress);
  const context: LabContext = {
    runId,
    plan,
    options,
    runtime,
    progress,
    signal,
    startedAt: new Date().toISOString(),
    harness: startHarnessMeter(),
    runtimeInfo: null,
    concurrency: null,
    dir: null,
    built: null,
    toolVersions: {},
    notApplicable: [],
    // A frontier search adds each probe as a variant of its own as it goes.
    variants: plan.frontier ? [] : plan.variants,
    ledger: new RunLedger(),
    results: null,
  };
  try {
    await runSteps(LAB_STEPS, context, progress);
    await runtime.teardown().catch(() => {});
    return { dir: context.dir!, results: context.results! };
  } catch (error) {
    const reason = signal.aborted ? `interrupted (${String(signal.reason ?? 'signal')})` : errorMessage(error).split('\n')[0]!;
    // What Ctrl-C reports is what happened: a save or a teardown that failed is said, not assumed.
    const saved = context.dir ? await saveResults(context, { complete: false, reason }).then(() => null, (e: unknown) => errorMessage(e).split('\n')[0]!) : 'no run folder yet';
    const cleaned = await runtime.teardown().then(() => null, (e: unknown) => errorMessage(e).split('\n')[0]!);
    throw signal.aborted ? new InterruptedError(String(signal.reason ?? 'signal'), { saved, cleaned }) : error;
  }
}
