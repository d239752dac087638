// The conditions each repetition ran under: starved counts per variant, whether each death was starved, and the
// verdict's caveat when the deaths may be the lab's own load rather than the service.
import type { Results, RunRecord, VariantSummary } from '../model/results.js';
import { STARVED_HOST_PRESSURE, STARVED_SAMPLER_RATE } from '../model/starved.js';
import type { ExtraTable } from './fix-tables.js';
import { DASH, orDash } from './format.js';

const share = (value: number) => value.toFixed(2);
const percent = (value: number) => `${Math.round(value * 100)}%`;

export const STARVED_RULE = `A repetition is starved when this machine's CPU pressure (/proc/pressure/cpu, some) over its window reached ${STARVED_HOST_PRESSURE}, or the memory probe ran below ${percent(STARVED_SAMPLER_RATE)} of its rate. The ${STARVED_HOST_PRESSURE} threshold comes from the parallel-effect study in the README: one repetition at a time never passed 0.83, four at once on two cores rarely fell below 0.95, and GOMEMLIMIT at the limit died more often there.`;

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

/** The verdict's caveat: how many of the deaths came from starved repetitions; empty when none did. */
export function starvedDeathsSentence(results: Results): string {
  const deaths = results.runs.filter((run) => !run.survived);
  const starved = deaths.filter((run) => run.contention?.starvedBecause);
  if (starved.length === 0) return '';
  const byVariant = [...new Set(starved.map((run) => run.variant))].map((name) => `${name} ${starved.filter((run) => run.variant === name).length}`).join(', ');
  if (starved.length === deaths.length) {
    return ` All ${deaths.length} death${deaths.length === 1 ? '' : 's'} came from starved repetitions (${byVariant}): the lab's own load may have caused them, so rerun with --parallel 1 before blaming the service.`;
  }
  return ` ${starved.length} of the ${deaths.length} deaths came from starved repetitions (${byVariant}); see Conditions.`;
}
