import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chooseConcurrency } from '../concurrency.js';
import { createOutDir, defaultOutDir } from '../outdir.js';
import { build } from '../build/sample.js';
import { searchFrontiers } from './frontier.js';
import { provision } from '../runtimes/create.js';
import { goLabel } from '../model/go-choice.js';
import type { Plan } from '../model/plan.js';
import { flavourKey } from '../model/variants.js';
import { UsageError } from '../errors.js';
import type { Step } from '../steps.js';
import type { LabContext } from './context.js';
import { runScheduled } from './schedule.js';
import { runInRounds } from './adaptive.js';
import { saveResults } from './save.js';

function imageVersions(context: LabContext): Record<string, string> {
  return Object.fromEntries(Object.entries(context.built!.samples).map(([key, sample]) => [key === 'local' ? 'image' : `image (${key})`, sample.image]));
}

/** The plan without the variants whose build failed on their Go release (reported as not applicable). */
function applicablePlan(context: LabContext): Plan {
  const failed = context.built?.failed ?? {};
  const { plan } = context;
  return { ...plan, variants: plan.variants.filter((v) => !failed[flavourKey(v.build)]), runs: plan.runs.filter((run) => !failed[flavourKey(run.build)]) };
}

/** The largest limits of the plan: auto concurrency packs by them, so no variant is over-packed. */
function largestLimits(context: LabContext): { cpuLimitMillis: number; memoryLimitBytes: number } {
  const { plan } = context;
  return {
    cpuLimitMillis: Math.max(...plan.variants.map((variant) => variant.cpuLimitMillis)),
    memoryLimitBytes: Math.max(
      ...plan.variants.map((variant) => Math.max(variant.memoryLimitBytes, variant.resizeToBytes ?? 0)),
      plan.frontier?.over === 'memoryLimit' ? plan.frontier.maxMiB * 2 ** 20 : 0, // a sizing search starts at its largest limit
    ),
  };
}

/** A run after its plan: each step one status line, all on one context (kind's create flow is the model). */
export const LAB_STEPS: readonly Step<LabContext>[] = [
  {
    title: (context) => `provisioning the ${context.runtime.name} runtime`,
    execute: async (context) => {
      context.runtimeInfo = await provision(context.runtime, context.progress);
      const capacity = await context.runtime.capacity();
      context.concurrency = chooseConcurrency(context.options.parallel ?? 'auto', capacity, largestLimits(context));
      context.progress.info(`concurrency: ${context.concurrency.reason}`);
      const { options, plan } = context;
      context.dir = await createOutDir(options.out ? path.resolve(options.out) : defaultOutDir(plan.scenario.name), Boolean(options.out));
      await mkdir(path.join(context.dir, 'logs'));
      context.progress.info(`results go to ${path.relative(process.cwd(), context.dir) || context.dir}`);
    },
  },
  {
    title: (context) => (context.plan.scenario.service ? 'building the load generator' : 'building the sample and the load generator'),
    execute: async (context) => {
      const service = context.plan.scenario.service;
      const { plan } = context;
      const flavours = service ? [] : plan.variants.map((variant) => variant.build); // a service comes built
      const fallbackFrom = plan.go.source === 'pinned' ? plan.go.version : null;
      context.built = await build(context.progress, { flavours, image: context.runtime.capabilities.image === 'local', fallbackFrom });
      context.toolVersions = { ...context.built.versions, ...imageVersions(context), ...(service ? { image: service.image } : {}) };
      const failed = context.built.failed;
      context.notApplicable = plan.variants
        .filter((variant) => failed[flavourKey(variant.build)])
        .map((variant) => ({ variant: variant.name, go: goLabel(variant.build.go), reason: failed[flavourKey(variant.build)]! }));
      context.variants = context.variants.filter((variant) => !failed[flavourKey(variant.build)]);
      if (applicablePlan(context).variants.length === 0) throw new UsageError(`no variant builds on its Go release: ${Object.values(failed).join('; ')}`);
    },
  },
  {
    title: (context) => {
      const { runs } = applicablePlan(context);
      return context.plan.frontier || context.plan.adaptive ? null : `running ${runs.length} repetitions, ${Math.min(context.concurrency!.parallel, runs.length)} at once`;
    },
    execute: async (context) => void (await runScheduled(context, applicablePlan(context).runs, (index, total) => `[${index + 1}/${total}]`)),
  },
  {
    title: (context) => (context.plan.frontier ? `searching the OOM frontier, ${context.plan.frontier.repsPerProbe} repetitions per probe, ${context.concurrency!.parallel} at once` : null),
    execute: async (context) => {
      context.frontier = await searchFrontiers(
        applicablePlan(context),
        context.plan.frontier!,
        {
          execute: (runs, label) => runScheduled(context, runs, (index, total) => `${label} ${index + 1}/${total}`),
          onProbe: (variant) => void context.variants.push(variant),
          onProgress: (frontiers) => void (context.frontier = frontiers),
        },
        context.progress,
      );
    },
  },
  {
    title: (context) => (context.plan.adaptive ? `repetitions in rounds until the answer is clear, within ${Math.round(context.plan.adaptive.budgetSeconds / 60)} min (--reps auto)` : null),
    execute: async (context) => {
      const plan = applicablePlan(context);
      const started = Date.now();
      const perRound = Math.max(2, Math.ceil(context.concurrency!.parallel / Math.max(1, plan.variants.length)));
      context.adaptive = await runInRounds(
        plan,
        plan.adaptive!,
        perRound,
        {
          execute: (runs, label) => runScheduled(context, runs, (index, total) => `${label} ${index + 1}/${total}`),
          onRound: (outcome) => void (context.adaptive = outcome),
          elapsedSeconds: () => (Date.now() - started) / 1000,
        },
        context.progress,
      );
    },
  },
  {
    title: () => 'writing reports',
    execute: async (context) => void (context.results = await saveResults(context, { complete: true, reason: null })),
  },
];
