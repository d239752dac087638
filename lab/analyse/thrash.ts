// When a repetition that survived was really limping: the GC death spiral. Pure.
import type { RequestGc } from '../model/results.js';
import { max } from './stats.js';

/**
 * A request whose GC took this share of the process's CPU is thrashing. Go's CPU limiter caps the GC near 50%;
 * the README gives the measured shares this threshold separates.
 */
export const THRASH_GC_SHARE = 0.4;

export type Outcome = 'survived' | 'thrashed' | 'oom-killed' | 'failed' | 'resize-refused';

export interface ThrashVerdict {
  thrashed: boolean;
  gcCpuShareMax: number | null;
}

export function thrashVerdict(survived: boolean, requests: readonly RequestGc[]): ThrashVerdict {
  const gcCpuShareMax = max(requests.flatMap((request) => (request.gcCpuShare === null ? [] : [request.gcCpuShare])));
  const heavy = gcCpuShareMax !== null && gcCpuShareMax >= THRASH_GC_SHARE;
  const limited = requests.some((request) => request.limiterOn === true);
  return { thrashed: survived && (heavy || limited), gcCpuShareMax };
}

/** The four outcomes of a repetition; thrashed counts as survived in survival rates. */
export function outcomeOf(run: { survived: boolean; thrashed: boolean; oomKills: number; resize?: { applied: boolean } | null }): Outcome {
  if (run.resize && !run.resize.applied) return 'resize-refused';
  if (run.survived) return run.thrashed ? 'thrashed' : 'survived';
  return run.oomKills > 0 ? 'oom-killed' : 'failed';
}
