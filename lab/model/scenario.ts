import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseConfig } from '../config.js';
import { pathExists } from '../fs.js';
import { UsageError } from '../errors.js';
import { REPO_ROOT } from '../paths.js';
import { quantitySchema } from './quantity.js';
import { serviceSchema, type Service } from './service.js';
import { sampleOnlyIssues } from './sample-only.js';

export const SCENARIO_DIR = path.join(REPO_ROOT, 'scenarios');

const cpuSchema = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const text = String(value).trim();
    const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(text);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: `bad cpu quantity "${text}": use cores (0.5) or millicores (200m)` });
      return z.NEVER;
    }
    const cores = Number(match[1]) / (match[2] === 'm' ? 1000 : 1);
    return Math.round(cores * 1000); // millicores
  });

const nameSchema = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'use lower-case letters, digits and dashes');

/** How the sample encodes the body; each maps to one endpoint of go-sample. */
export const ENCODER_PATHS = {
  marshal: '/bulk',
  stream: '/bulk/stream',
  chunked: '/bulk/chunked',
  jsonv2: '/bulk/jsonv2',
  'jsonv2-stream': '/bulk/jsonv2-stream',
} as const;
export type Encoder = keyof typeof ENCODER_PATHS;
const encoderSchema = z.enum(Object.keys(ENCODER_PATHS) as [Encoder, ...Encoder[]]);

/** A Go toolchain: "local" (the go on PATH) or a release fetched through GOTOOLCHAIN, e.g. 1.19.13. */
export const goVersionSchema = z
  .union([z.string(), z.number()])
  .transform((value) => String(value).trim().replace(/^go/, ''))
  .pipe(z.string().regex(/^(local|1\.\d+(\.\d+)?)$/, 'use "local" or a Go release such as 1.19.13 or 1.26.0'));

const gogcSchema = z
  .union([z.string(), z.number()])
  .transform((value) => String(value).trim())
  .pipe(z.string().regex(/^(off|\d+)$/, 'use a whole number (percent) or "off"'));

const ratioSchema = z.number().positive().max(16);
const bodySchema = z.number().positive().max(2048);
const concurrencySchema = z.number().int().min(1).max(64);
/** GOMAXPROCS set by hand, as Go ≤ 1.24 would pick it from an N-core node's CPUs whatever the quota. */
const gomaxprocsSchema = z.number().int().min(1).max(256);
/** MiB the sample adds to a cache it never frees, on every request: a slow leak (LEAK_MIB). */
const leakSchema = z.number().min(0).max(4096);

/** A memory limit changed under the running instance, before its requests: start at `from`, then resize to `to`. */
const resizeSchema = z.strictObject({
  name: nameSchema,
  from: quantitySchema,
  to: quantitySchema,
  /** Pause between the resize being applied and the requests: a reader that refreshes (automemlimit) gets to see it. */
  settleSeconds: z.number().min(0).max(600).default(3),
});
export type ResizeStep = z.output<typeof resizeSchema>;

/**
 * Axes a scenario may sweep: every variant runs once per combination of the listed values.
 * gomemlimitRatio takes "none" for no GOMEMLIMIT.
 */
const sweepSchema = z.strictObject({
  memoryLimit: z.array(quantitySchema).min(1).optional(),
  cpuLimit: z.array(cpuSchema).min(1).optional(),
  gomaxprocs: z.array(gomaxprocsSchema).min(1).optional(),
  bodyMiB: z.array(bodySchema).min(1).optional(),
  concurrency: z.array(concurrencySchema).min(1).optional(),
  gogc: z.array(gogcSchema).min(1).optional(),
  gomemlimitRatio: z.array(z.union([ratioSchema, z.literal('none')])).min(1).optional(),
  go: z.array(goVersionSchema).min(1).optional(),
  encoder: z.array(encoderSchema).min(1).optional(),
  resize: z.array(resizeSchema).min(1).optional(),
});
export type Sweep = z.output<typeof sweepSchema>;

const variantSchema = z.strictObject({
  name: nameSchema,
  description: z.string().default(''),
  /** Extra environment for the Go process, e.g. AUTOMEMLIMIT. */
  env: z.record(z.string(), z.string()).default({}),
  /** GOMEMLIMIT as a share of the container limit; 1 is what the Downward API's limits.memory yields. */
  gomemlimitRatio: ratioSchema.optional(),
  /** GOGC, as a number or "off". */
  gogc: gogcSchema.optional(),
  encoder: encoderSchema.optional(),
  go: goVersionSchema.optional(),
  /** GOEXPERIMENT settings for the sample's build, e.g. [nojsonv2] (Go 1.27's encoding/json on its v1 engine). */
  goexperiment: z.array(z.string().regex(/^[a-z0-9]+$/, 'an experiment name, e.g. nojsonv2 or jsonv2')).min(1).optional(),
  gomaxprocs: gomaxprocsSchema.optional(),
  leakMiB: leakSchema.optional(),
  /** Overrides of the scenario's container and request. */
  memoryLimit: quantitySchema.optional(),
  cpuLimit: cpuSchema.optional(),
  path: z.string().startsWith('/').optional(),
  bodyMiB: bodySchema.optional(),
  concurrency: concurrencySchema.optional(),
  count: z.number().int().min(1).max(1000).optional(),
  budgetSeconds: z.number().positive().max(3600).optional(),
  stopOnFailure: z.boolean().optional(),
  /** In-place resize of the memory limit before the requests (kind: the resize subresource; docker: docker update). */
  resize: resizeSchema.optional(),
  /** Replaces the scenario's sweep for this variant; {} runs it once, unswept. */
  sweep: sweepSchema.optional(),
});


/**
 * Bisection for each variant: over body size, the largest body that survives targetSurvival of the probes'
 * repetitions (default 90%); over memoryLimit, the smallest limit that does (sizing; default 95%), in MiB.
 */
const frontierSchema = z
  .strictObject({
    over: z.enum(['bodyMiB', 'memoryLimit']).default('bodyMiB'),
    minMiB: z.number().positive().max(65536).default(8),
    maxMiB: z.number().positive().max(65536).default(256),
    resolutionMiB: z.number().positive().default(4),
    repsPerProbe: z.number().int().min(1).max(100).default(5),
    targetSurvival: z.number().gt(0).max(1).optional(),
  })
  .refine((frontier) => frontier.minMiB < frontier.maxMiB, 'frontier.minMiB must be below frontier.maxMiB')
  .refine((frontier) => frontier.over !== 'bodyMiB' || frontier.maxMiB <= 2048, 'frontier.maxMiB: a body above 2048 MiB is not served by the sample')
  .transform((frontier) => ({ ...frontier, targetSurvival: frontier.targetSurvival ?? (frontier.over === 'memoryLimit' ? 0.95 : 0.9) }));

const requestSchema = z.strictObject({
  path: z.string().startsWith('/').default('/bulk'),
  bodyMiB: bodySchema.default(66),
  /** Requests per repetition; raised to `concurrency` when below it. */
  count: z.number().int().min(1).max(1000).default(1),
  /** Requests in flight at once. */
  concurrency: concurrencySchema.default(1),
  /** Pause between requests: long-lived containers need time to restart. */
  intervalSeconds: z.number().min(0).max(600).default(0),
  timeoutSeconds: z.number().positive().max(3600).default(120),
  /**
   * Keep sending requests, one at a time, for at most this long (count stays the cap): a slow leak is driven until
   * it dies or the budget runs out. A repetition then survives when no request failed and nothing was killed.
   */
  budgetSeconds: z.number().positive().max(3600).optional(),
  /** Stop at the first failed request: the instance died, and what comes after is not the question. */
  stopOnFailure: z.boolean().default(false),
});

const scenarioFields = z
  .strictObject({
    name: nameSchema,
    description: z.string().default(''),
    container: z
      .strictObject({
        memoryLimit: quantitySchema.default(400 * 1024 * 1024),
        memoryRequest: quantitySchema.default(200 * 1024 * 1024),
        cpuLimit: cpuSchema.default(200),
        cpuRequest: cpuSchema.default(100),
      })
      .prefault({}),
    /**
     * fresh: a new container per repetition, no restarts (clean A/B samples).
     * long-lived: one container per repetition with a restart policy, as a Deployment would restart it.
     */
    lifecycle: z.enum(['fresh', 'long-lived']).default('fresh'),
    request: requestSchema.prefault({}),
    reps: z.number().int().min(1).max(1000).default(5),
    /** Seeds the sample's generated dataset (DATASET_SEED), so every run serves the same bytes. */
    datasetSeed: z.number().int().min(0).default(1),
    /** Seeds the shuffled order of the repetitions, so drift on a shared machine favours no variant, reproducibly. */
    orderSeed: z.number().int().min(0).default(1),
    variants: z.array(variantSchema).min(1),
    sweep: sweepSchema.optional(),
    frontier: frontierSchema.optional(),
    /** A user's own service instead of the sample; its requests replace the `request` block. */
    service: serviceSchema.optional(),
  })
  .superRefine((scenario, ctx) => {
    const seen = new Set<string>();
    for (const variant of scenario.variants) {
      if (seen.has(variant.name)) ctx.addIssue({ code: 'custom', message: `duplicate variant "${variant.name}"` });
      seen.add(variant.name);
    }
    if (scenario.container.memoryRequest > scenario.container.memoryLimit) {
      ctx.addIssue({ code: 'custom', message: 'container.memoryRequest is above container.memoryLimit' });
    }
  })
  .transform((scenario) => (scenario.service ? { ...scenario, request: serviceRequest(scenario.service, scenario.request) } : scenario));

/** A service's requests in the shape the pipeline drives: the first target's path names them in reports. */
function serviceRequest(service: Service, defaults: z.output<typeof requestSchema>): z.output<typeof requestSchema> {
  const { requests } = service;
  return {
    ...defaults,
    path: requests.targets[0]!.path,
    bodyMiB: 0, // no generated body: the service answers what it answers
    count: requests.count,
    concurrency: requests.concurrency,
    intervalSeconds: requests.rate > 0 ? 1 / requests.rate : 0,
    timeoutSeconds: requests.timeoutSeconds,
    ...(requests.durationSeconds === undefined ? {} : { budgetSeconds: requests.durationSeconds }),
  };
}

/** Sample-only fields are refused by name before any default fills them in. */
export const scenarioSchema = z.preprocess((raw, ctx) => {
  for (const issue of sampleOnlyIssues(raw)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: raw });
  return raw;
}, scenarioFields);

export type Scenario = z.output<typeof scenarioSchema>;
export type Variant = Scenario['variants'][number];
export type FrontierSpec = NonNullable<Scenario['frontier']>;

export async function listScenarios(dir = SCENARIO_DIR): Promise<string[]> {
  const files = await readdir(dir).catch(() => [] as string[]);
  return files.filter((file) => /\.ya?ml$/.test(file)).map((file) => file.replace(/\.ya?ml$/, '')).sort();
}

/**
 * A service given on the command line (--service-image) in place of the scenario's sample: its requests replace
 * the scenario's request block and the sample's dataset seed; everything else (variants, limits) is kept.
 */
export interface ServiceOverlay {
  /** Validated with the scenario, so a bad flag reads like a bad field. */
  service: Record<string, unknown>;
  /** Where relative body files are found (the working directory). */
  baseDir: string;
}

/** Variants that only the sample can run (an encoder, a leak) are left out for a service, and the description says so. */
function withOverlay(raw: unknown, overlay: ServiceOverlay | undefined): unknown {
  if (!overlay || typeof raw !== 'object' || raw === null) return raw;
  const { request: _request, datasetSeed: _seed, ...rest } = raw as Record<string, unknown>;
  const scenario = { ...rest, service: overlay.service };
  const variants = Array.isArray(rest.variants) ? (rest.variants as unknown[]) : [];
  const sampleOnly = new Set(sampleOnlyIssues(scenario).filter((issue) => issue.path[0] === 'variants').map((issue) => issue.path[1] as number));
  if (sampleOnly.size === 0 || sampleOnly.size === variants.length) return scenario; // none, or all: the errors say which field
  const names = [...sampleOnly].map((index) => String((variants[index] as { name?: unknown })?.name ?? index));
  const description = `${typeof rest.description === 'string' ? `${rest.description} ` : ''}(for the service, without ${names.join(', ')}: the sample's own)`;
  return { ...scenario, description, variants: variants.filter((_, index) => !sampleOnly.has(index)) };
}

/** Body files resolved against the scenario's folder; a missing one is a UsageError naming its field. */
async function resolveBodyFiles(scenario: Scenario, baseDir: string, field: (index: number) => string): Promise<Scenario> {
  if (!scenario.service) return scenario;
  const targets = await Promise.all(
    scenario.service.requests.targets.map(async (target, index) => {
      if (target.bodyFile === undefined) return target;
      const file = path.resolve(baseDir, target.bodyFile);
      if (!(await pathExists(file))) throw new UsageError(`${field(index)}: no such file ${file}`);
      return { ...target, bodyFile: file };
    }),
  );
  return { ...scenario, service: { ...scenario.service, requests: { ...scenario.service.requests, targets } } };
}

/** Parses and validates scenario text; every problem becomes a UsageError naming the field. */
export function parseScenario(text: string, source: string, overlay?: ServiceOverlay): Scenario {
  return parseConfig(scenarioSchema, text, source, 'yaml', (raw) => withOverlay(raw, overlay));
}

/** Loads a scenario by name from scenarios/, or from a path to a YAML file, optionally with a CLI service in place of the sample. */
export async function loadScenario(nameOrPath: string, dir = SCENARIO_DIR, overlay?: ServiceOverlay): Promise<Scenario> {
  const isPath = nameOrPath.includes('/') || /\.ya?ml$/.test(nameOrPath);
  const file = isPath ? path.resolve(nameOrPath) : path.join(dir, `${nameOrPath}.yaml`);
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) {
    const known = await listScenarios(dir);
    throw new UsageError(`unknown scenario "${nameOrPath}": known scenarios are ${known.join(', ') || '(none)'}`);
  }
  const source = path.relative(process.cwd(), file) || file;
  const field = (index: number) => (overlay ? '--body-file' : `${source}: service.requests.targets.${index}.bodyFile`);
  return resolveBodyFiles(parseScenario(text, source, overlay), overlay?.baseDir ?? path.dirname(file), field);
}
