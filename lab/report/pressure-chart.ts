// Each repetition's outcome against the CPU pressure it ran under: whether deaths cluster where the machine was
// saturated (the lab's load) or spread over calm windows too (the service near its limit).
import { judged } from '../analyse/outcome.js';
import type { TopLevelSpec } from 'vega-lite';
import type { Results } from '../model/results.js';
import { STARVED_HOST_PRESSURE } from '../model/starved.js';
import { CONFIG, LIMIT_COLOR, PANEL_WIDTH, TARGET_COLOR } from './chart-kit.js';

export const PRESSURE_TITLE = 'Outcome against CPU pressure, per repetition';

const OUTCOME = { domain: ['survived', 'died'], range: ['#4c78a8', LIMIT_COLOR] };

/** A fixed spread within the variant's row, so points at the same pressure do not hide each other. */
const jitter = (rep: number) => ((rep * 0.618034) % 1) - 0.5;

/** null when no repetition could read this machine's CPU pressure (Docker Desktop, a remote engine, older files). */
export function pressureSpec(results: Results): TopLevelSpec | null {
  const points = judged(results.runs)
    .filter((run) => run.contention?.hostCpuPressure != null)
    .map((run) => ({
      variant: run.variant,
      pressure: run.contention!.hostCpuPressure,
      outcome: run.survived ? 'survived' : 'died',
      starved: run.contention!.starvedBecause ? 'starved' : 'not starved',
      jitter: jitter(run.rep),
      id: run.id,
    }));
  if (points.length === 0) return null;
  const variants = results.variants.filter((v) => points.some((p) => p.variant === v.name)).map((v) => v.name);
  const low = Math.min(STARVED_HOST_PRESSURE - 0.1, ...points.map((p) => p.pressure!));
  const x = { field: 'pressure', type: 'quantitative', title: "this machine's CPU pressure over the repetition (PSI some)", scale: { domain: [Math.floor(low * 20) / 20, 1] } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: PRESSURE_TITLE,
      subtitle: [
        'Blue circles survived, red crosses died. Hollow: starved, by pressure at or right of the dashed line',
        `(${STARVED_HOST_PRESSURE}) or by a memory probe below half its rate.`,
      ],
    },
    config: CONFIG,
    width: PANEL_WIDTH,
    height: { step: 44 },
    layer: [
      {
        data: { values: points },
        mark: { type: 'point', size: 60, strokeWidth: 2 },
        encoding: {
          x,
          y: { field: 'variant', type: 'nominal', title: null, sort: variants },
          yOffset: { field: 'jitter', type: 'quantitative', scale: { domain: [-0.6, 0.6] } },
          color: { field: 'outcome', type: 'nominal', title: 'outcome', scale: OUTCOME },
          shape: { field: 'outcome', type: 'nominal', scale: { domain: OUTCOME.domain, range: ['circle', 'cross'] }, legend: null },
          fill: { condition: { test: "datum.starved === 'starved'", value: 'transparent' }, field: 'outcome', type: 'nominal', scale: OUTCOME, legend: null },
          tooltip: [{ field: 'id' }, { field: 'pressure' }, { field: 'starved' }],
        },
      },
      {
        data: { values: [{ threshold: STARVED_HOST_PRESSURE }] },
        mark: { type: 'rule', color: TARGET_COLOR, strokeDash: [5, 4], strokeWidth: 1.5 },
        encoding: { x: { field: 'threshold', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}
