// The conditions each repetition ran under: starved counts per variant, and whether each death was starved (the
// verdict's caveat is in lab/analyse/recommend.ts).
import type { Results, RunRecord, VariantSummary } from '../model/results.js';
import { STARVED_HOST_PRESSURE, STARVED_SAMPLER_RATE } from '../model/starved.js';
import type { ExtraTable } from './fix-tables.js';
import { DASH, orDash } from './format.js';

const share = (value: number) => value.toFixed(2);
const percent = (value: number) => `${Math.round(value * 100)}%`;

export const STARVED_RULE = `A repetition is starved when this machine's CPU pressure (/proc/pressure/cpu, some) over its window reached ${STARVED_HOST_PRESSURE}, or the memory probe ran below ${percent(STARVED_SAMPLER_RATE)} of its rate. The ${STARVED_HOST_PRESSURE} threshold comes from the parallel-effect study in the README: one repetition at a time never passed 0.83, four at once on two cores rarely fell below 0.95, and GOMEMLIMIT at the limit died more often there. It marks conditions under which the answer was seen to change, not a cause.`;

export function conditionsTable(ranked: VariantSummary[]): ExtraTable | null {
  const recorded = ranked.filter((v) => v.conditions !== null);
  if (recorded.length === 0) return null;
  return {
    header: ['Variant', 'Starved repetitions', 'Deaths (starved)', 'Host CPU pressure (median)', 'CPU received / quota (median)', 'Memory probe rate (median)'],
    rows: recorded.map((v) => {
      const c = v.conditions!;
      return [
        v.name,
        `${c.starvedRepetitions}/${v.repetitions}`,
        c.deaths === 0 ? '0' : `${c.deaths} (${c.starvedDeaths} starved)`,
        orDash(c.hostCpuPressureMedian, share),
        orDash(c.quotaShareMedian, share),
        orDash(c.samplerRateMedian, percent),
      ];
    }),
    note: `${STARVED_RULE} Host pressure is read only where the memory probe reads this machine's cgroups (not inside Docker Desktop's VM); a dash means it could not be read. On cgroup v1 a container throttled by its own quota counts as pressure too, which is why one repetition at a time already reads about 0.7.`,
  };
}

/** The runs table's cell: why the repetition was starved, or its figures. */
export function runConditions(run: RunRecord): string {
  const c = run.contention;
  if (!c) return DASH;
  if (c.starvedBecause) return `starved: ${c.starvedBecause}`;
  const parts = [c.hostCpuPressure === null ? null : `pressure ${share(c.hostCpuPressure)}`, c.quotaShare === null ? null : `quota ${share(c.quotaShare)}`];
  return parts.filter(Boolean).join(', ') || DASH;
}

/** The lab's own faults: every spoiled try with its cause, retried or left; null when there were none. */
export function harnessFaultTable(results: Pick<Results, 'retried' | 'runs'>): ExtraTable | null {
  const left = results.runs.filter((run) => run.outcome === 'harness-fault');
  if (results.retried.length === 0 && left.length === 0) return null;
  return {
    header: ['Repetition', 'Try', 'Cause', 'Then'],
    rows: [
      ...results.retried.map((fault) => [fault.id, String(fault.attempt), fault.cause, 'tried again']),
      ...left.map((run) => [run.id, String(run.attempt), run.cause, 'left as a fault: not counted']),
    ],
    note: "Harness faults are the lab's, not the service's: a request lost while the service stayed up, an engine error, a refused resize. They are tried again (--retries, default 2) and never count toward survival, the frontier, sizing or regress.",
  };
}
