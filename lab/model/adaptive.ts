// `--reps auto`: repetitions in rounds until the decision is clear or the time budget is spent.
import { z } from 'zod';

export const ADAPTIVE_STOPS = ['separated', 'precise', 'budget'] as const;

/** What the run was asked for: a wall-clock budget, and optionally a survival-interval width that is precise enough. */
export const adaptiveSpecSchema = z.object({
  budgetSeconds: z.number().positive(),
  /** Stop once every variant's interval is narrower than this (a share, e.g. 0.2); null: only separation stops early. */
  precision: z.number().gt(0).lt(1).nullable(),
  /** Family-wise error of the anytime-valid intervals, split over the variants. */
  alpha: z.number().gt(0).lt(1),
});
export type AdaptiveSpec = z.infer<typeof adaptiveSpecSchema>;

const intervalSchema = z.object({ low: z.number(), high: z.number(), rate: z.number().nullable() });

/** What results.json records of an adaptive run: why it stopped, after how many rounds, and the intervals then. */
export const adaptiveOutcomeSchema = adaptiveSpecSchema.extend({
  /** null while the rounds still run (an interrupted run keeps it). */
  stoppedBy: z.enum(ADAPTIVE_STOPS).nullable(),
  rounds: z.number().int().nonnegative(),
  elapsedSeconds: z.number(),
  best: z.string().nullable(),
  runnerUp: z.string().nullable(),
  /** Anytime-valid intervals (valid however often the run looked), per variant. */
  intervals: z.record(z.string(), intervalSchema),
});
export type AdaptiveOutcome = z.infer<typeof adaptiveOutcomeSchema>;

/** "10m", "90s", "1h30m" or plain seconds; null for anything else. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(trimmed);
  if (!match || trimmed === '') return null;
  const [, h, m, s] = match;
  return Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
}
