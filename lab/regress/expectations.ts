// Expectations for a fixed regression scenario, and the stored peak-memory baseline they compare against.
//
// An expectations file is YAML (see scenarios/expectations/regress.yaml):
//
//   scenario: regress                      # the fixed scenario these expectations check
//   baselineFile: regress.baseline.json    # optional; relative to this file (default: <scenario>.baseline.json)
//   expectations:                          # each names one variant and exactly one measure
//     - variant: baseline
//       oomKilledRate: { atLeast: 0.9 }    # share of repetitions with at least one OOM kill
//     - variant: limit-90
//       survivalRate: { atLeast: 0.95 }    # share of repetitions that survived (results' survivedRepetitions)
//     - variant: limit-90
//       slowedRate: { atMost: 0 }        # share of repetitions that survived slowed (lab/analyse/cost.ts: GC >= 40% of CPU, limiter on, or far slower than the cheapest survivor)
//     - variant: limit-90
//       peakMemoryMedian: { withinPercent: 10 }  # median cgroup peak vs the stored baseline for the run's runtime
//
// Rates are shares in [0, 1] with `atLeast`, `atMost` or both; they are compared with the measured share
// (the point estimate), the 95% Wilson interval is only reported. The baseline file is JSON, per runtime, then
// per variant, written by `npm run lab -- regress --update-baseline`:
//
//   { "docker": { "limit-90": { "peakMemoryMedianBytes": 412345678, "runId": "..." } }, "kind": { ... } }
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseConfig } from '../config.js';
import { UsageError } from '../errors.js';
import { goVersionSchema } from '../model/scenario.js';

export const EXPECTATIONS_DIR = path.resolve(import.meta.dirname, '..', '..', 'scenarios', 'expectations');

const share = z.number().min(0, 'a rate is a share between 0 and 1').max(1, 'a rate is a share between 0 and 1 (0.95, not 95)');

const rateBoundSchema = z
  .strictObject({
    atLeast: share.optional(),
    atMost: share.optional(),
    /**
     * rate (default): the measured share k/n must meet the bound.
     * interval: fail only when the whole 95% Wilson interval misses it, i.e. the run is evidence of a regression;
     * a few repetitions of a rate near the bound then do not fail by chance.
     */
    by: z.enum(['rate', 'interval']).optional(),
  })
  .refine((bound) => bound.atLeast !== undefined || bound.atMost !== undefined, 'give atLeast, atMost or both')
  .refine((bound) => bound.atLeast === undefined || bound.atMost === undefined || bound.atLeast <= bound.atMost, 'atLeast is above atMost');

/**
 * A rate as measured, and the change the gate must catch: the run's repetitions and its cut-off come from exact
 * binomial sums at the file's falseAlarm and power (regress/power.ts; `regress --plan` prints them).
 */
const plannedRateSchema = z
  .strictObject({ measured: share, detect: share })
  .refine((planned) => planned.measured !== planned.detect, 'detect must differ from measured: it is the change to catch');
/** One object of either form, told apart by its keys, so a misspelt key is still named in the error. */
const rateSchema = z.looseObject({}).transform((raw, ctx) => {
    const planned = typeof raw === 'object' && raw !== null && ('measured' in raw || 'detect' in raw);
    const parsed = (planned ? plannedRateSchema : rateBoundSchema).safeParse(raw);
    if (parsed.success) return parsed.data as RateBound | PlannedRate;
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message, path: issue.path } as never);
    return z.NEVER;
  });

/** withinPercent of the stored median; or againstStored: the run's median inside a band from the stored per-repetition peaks. */
const peakBoundSchema = z.union([z.strictObject({ withinPercent: z.number().positive().max(1000) }), z.strictObject({ againstStored: z.literal(true) })]);

const MEASURES = ['survivalRate', 'oomKilledRate', 'slowedRate', 'peakMemoryMedian'] as const;
export type Measure = (typeof MEASURES)[number];

const expectationInputSchema = z
  .strictObject({
    variant: z.string().min(1),
    survivalRate: rateSchema.optional(),
    oomKilledRate: rateSchema.optional(),
    /** Share of repetitions that survived slowed (lab/analyse/cost.ts). */
    slowedRate: rateSchema.optional(),
    peakMemoryMedian: peakBoundSchema.optional(),
  })
  .superRefine((entry, ctx) => {
    const given = MEASURES.filter((measure) => entry[measure] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `give exactly one of ${MEASURES.join(', ')} (got ${given.length === 0 ? 'none' : given.join(', ')})` });
    }
  });

export type RateBound = z.output<typeof rateBoundSchema>;
export type PlannedRate = z.output<typeof plannedRateSchema>;
export type PeakBound = z.output<typeof peakBoundSchema>;
export const isPlanned = (bound: RateBound | PlannedRate): bound is PlannedRate => 'measured' in bound;

/** One expectation, normalised: the measure is a tag. */
export type Expectation =
  | { variant: string; measure: 'survivalRate' | 'oomKilledRate' | 'slowedRate'; bound: RateBound | PlannedRate }
  | { variant: string; measure: 'peakMemoryMedian'; bound: PeakBound };

const fileSchema = z.strictObject({
  scenario: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'use lower-case letters, digits and dashes'),
  description: z.string().optional(),
  baselineFile: z.string().min(1).optional(),
  /** The Go release the expectations were measured on: the gate builds the sample with it, and judges only runs on it. */
  go: goVersionSchema.optional(),
  /** Per check: the chance a night at the measured figures fails (planned rates and the stored peak band). */
  falseAlarm: z.number().gt(0).lt(0.5).default(0.01),
  /** Per planned rate: the chance a night at its detect rate fails. */
  power: z.number().gt(0).lt(1).default(0.9),
  expectations: z
    .array(expectationInputSchema)
    .min(1, 'list at least one expectation')
    .superRefine((entries, ctx) => {
      const seen = new Set<string>();
      entries.forEach((entry, index) => {
        for (const measure of MEASURES) {
          if (entry[measure] === undefined) continue;
          const key = `${entry.variant} ${measure}`;
          if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index, measure], message: `a second ${measure} expectation for "${entry.variant}"${measure === 'peakMemoryMedian' ? '' : ': put atLeast and atMost in one'}` });
          seen.add(key);
        }
      });
    }),
});

export interface Expectations {
  scenario: string;
  expectations: Expectation[];
  /** The Go release they were measured on (1.26.8), or null when the file names none. */
  go: string | null;
  falseAlarm: number;
  power: number;
  /** Absolute path of the baseline file (it may not exist yet). */
  baselineFile: string;
  /** Where the expectations came from, for messages. */
  source: string;
}

const baselineEntrySchema = z.strictObject({
  peakMemoryMedianBytes: z.number().positive(),
  /** The run the value was recorded from. */
  runId: z.string().optional(),
  /** Per-repetition peaks of the runs recorded (newest last, at most STORED_PEAKS): the distribution a band is cut from. */
  peaks: z.array(z.number().positive()).optional(),
  /** The Go that built the sample, the median repetition's wall seconds and how many ran at once: what --plan's time uses. */
  go: z.string().optional(),
  repetitionSeconds: z.number().positive().optional(),
  parallel: z.number().int().positive().optional(),
});

/** runtime -> variant -> stored values. */
export const baselineSchema = z.record(z.string(), z.record(z.string(), baselineEntrySchema));
export type Baseline = z.infer<typeof baselineSchema>;
export type BaselineEntry = z.infer<typeof baselineEntrySchema>;

function normalise(entry: z.output<typeof expectationInputSchema>): Expectation {
  for (const measure of ['survivalRate', 'oomKilledRate', 'slowedRate'] as const) {
    const bound = entry[measure];
    if (bound) return { variant: entry.variant, measure, bound };
  }
  return { variant: entry.variant, measure: 'peakMemoryMedian', bound: entry.peakMemoryMedian! };
}

/**
 * Parses and validates expectations text. `file` is where it lives (relative baselineFile paths resolve
 * against its folder); every problem is a UsageError naming the field, e.g. "x.yaml: expectations.1.survivalRate.atLeast: ...".
 */
export function parseExpectations(text: string, file: string): Expectations {
  const source = path.relative(process.cwd(), file) || file;
  const { scenario, baselineFile, expectations, go, falseAlarm, power } = parseConfig(fileSchema, text, source);
  return {
    scenario,
    go: go ?? null,
    falseAlarm,
    power,
    expectations: expectations.map(normalise),
    baselineFile: path.resolve(path.dirname(path.resolve(file)), baselineFile ?? `${scenario}.baseline.json`),
    source,
  };
}

/** Loads expectations by scenario name from scenarios/expectations/, or from a path to a YAML file. */
export async function loadExpectations(nameOrPath: string, dir = EXPECTATIONS_DIR): Promise<Expectations> {
  const isPath = nameOrPath.includes('/') || /\.ya?ml$/.test(nameOrPath);
  const file = isPath ? path.resolve(nameOrPath) : path.join(dir, `${nameOrPath}.yaml`);
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) throw new UsageError(`no expectations file ${path.relative(process.cwd(), file) || file}`);
  return parseExpectations(text, file);
}

/** Validates baseline JSON text; a bad file is a UsageError naming the field. */
export function parseBaseline(text: string, source: string): Baseline {
  return parseConfig(baselineSchema, text, source, 'json');
}

/** The stored baseline, or null when the file does not exist yet. */
export async function loadBaseline(file: string): Promise<Baseline | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return parseBaseline(text, path.relative(process.cwd(), file) || file);
}

/** Stable JSON for the baseline file: runtimes and variants sorted, two-space indent, trailing newline. */
export function serializeBaseline(baseline: Baseline): string {
  const sorted: Baseline = {};
  for (const runtime of Object.keys(baseline).sort()) {
    const variants = baseline[runtime]!;
    const entries: Record<string, BaselineEntry> = {};
    for (const variant of Object.keys(variants).sort()) entries[variant] = variants[variant]!;
    sorted[runtime] = entries;
  }
  return `${JSON.stringify(sorted, null, 2)}\n`;
}
