// The fix's own failure modes as charts: GC share, latency and survival against the GOMEMLIMIT ratio, and a slow
// leak's GC share and heap over time up to its kill. Each is drawn only when the results hold such data.
import type { TopLevelSpec } from 'vega-lite';
import { SLOWED } from '../analyse/cost.js';
import { CONFIG, LIMIT_COLOR, MiB, PANEL_WIDTH, TARGET_COLOR, colorScale, legendColumns } from './chart-kit.js';
import type { Results, RunRecord } from '../model/results.js';

export const SPIRAL_TITLES = {
  ratio: 'GC share of CPU, latency and survival against GOMEMLIMIT',
  leak: 'A slow leak: GC share of CPU and heap over time, up to the kill',
} as const;

/** A slow leak's runs: many requests each, with the sample's per-request metrics. */
const LEAK_MIN_REQUESTS = 5;

/** One point per ratio-swept variant; the group is what else tells the variants apart (the body, say). */
function ratioRows(results: Results) {
  return results.variants.flatMap((v) => {
    const ratio = Number(v.axes.ratio);
    if (!v.axes.ratio || !Number.isFinite(ratio) || v.repetitions === 0) return [];
    const others = Object.entries(v.axes).filter(([axis]) => axis !== 'ratio');
    const group = others.length ? others.map(([axis, value]) => `${axis} ${value}`).join(', ') : v.base ?? v.name;
    return [{
      group, ratio,
      survival: v.survival.rate, low: v.survival.low, high: v.survival.high,
      p50: v.latencyMs.p50 === null ? null : v.latencyMs.p50 / 1000,
      p95: v.latencyMs.p95 === null ? null : v.latencyMs.p95 / 1000,
      gcShare: v.gcCpuShareMedian,
    }];
  });
}

/** The variants without GOMEMLIMIT have no place on the ratio axis: their survival goes in the subtitle (the upper cliff). */
function unsetLine(results: Results): string[] {
  const unset = results.variants.filter((v) => v.axes.ratio === 'none' && v.repetitions > 0);
  return unset.length ? [`No GOMEMLIMIT: ${unset.map((v) => `${v.name} survived ${v.survivedRepetitions}/${v.repetitions}`).join('; ')}.`] : [];
}

export function ratioSweepSpec(results: Results): TopLevelSpec | null {
  const rows = ratioRows(results);
  if (new Set(rows.map((row) => row.ratio)).size < 3) return null;
  const groups = [...new Set(rows.map((row) => row.group))];
  const color = { field: 'group', type: 'nominal', title: null, scale: colorScale(groups), legend: { columns: legendColumns(groups) } };
  const x = { field: 'ratio', type: 'quantitative', title: 'GOMEMLIMIT as a share of the memory limit', axis: { format: '.0%' }, scale: { zero: false, padding: 12 } };
  const panel = (title: string, layers: object[]) => ({ width: PANEL_WIDTH, height: 130, layer: layers.map((layer) => ({ ...layer, encoding: { x, color, ...(layer as { encoding?: object }).encoding } })), title: { text: title, fontSize: 13, anchor: 'start' } });
  const line = (field: string, extra: object = {}) => ({ mark: { type: 'line', point: { filled: true, size: 40 }, ...extra }, encoding: { y: { field, type: 'quantitative' } } });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: SPIRAL_TITLES.ratio,
      subtitle: [
        `Top: GC share of the process's CPU (highest request, median over repetitions); dashed at ${Math.round(SLOWED.gcShare * 100)}%, slowed.`,
        'Middle: latency p50 (solid) and p95 (dashed). Bottom: survival with 95% Wilson intervals.',
        ...unsetLine(results),
      ],
    },
    config: CONFIG,
    data: { values: rows },
    vconcat: [
      panel('GC share of CPU', [
        { ...line('gcShare'), encoding: { y: { field: 'gcShare', type: 'quantitative', title: 'GC share', axis: { format: '.0%' }, scale: { domain: [0, 1] } } } },
        { data: { values: [{ share: SLOWED.gcShare }] }, mark: { type: 'rule', strokeDash: [4, 3], color: TARGET_COLOR }, encoding: { x: null, color: null, y: { field: 'share', type: 'quantitative' } } },
      ]),
      panel('Latency (s)', [
        { ...line('p50'), encoding: { y: { field: 'p50', type: 'quantitative', title: 'seconds' } } },
        { ...line('p95', { strokeDash: [5, 3] }), encoding: { y: { field: 'p95', type: 'quantitative', title: 'seconds' } } },
      ]),
      panel('Survival', [
        { ...line('survival'), encoding: { y: { field: 'survival', type: 'quantitative', title: 'survived', axis: { format: '.0%' }, scale: { domain: [0, 1] } } } },
        { mark: { type: 'errorbar', ticks: { size: 8 } }, encoding: { y: { field: 'low', type: 'quantitative', title: 'survived' }, y2: { field: 'high' } } },
      ]),
    ],
    resolve: { scale: { color: 'shared' } },
  } as TopLevelSpec;
}

const leakRuns = (results: Results): RunRecord[] =>
  results.runs.filter((run) => run.processes.reduce((sum, p) => sum + p.requestMetrics.length, 0) >= LEAK_MIN_REQUESTS);

/** Seconds from the repetition's start, for a timestamp the sample or the engine wrote. */
const since = (run: RunRecord, at: string) => (Date.parse(at) - Date.parse(run.startedAt)) / 1000;

export function leakTimelineSpec(results: Results): TopLevelSpec | null {
  const runs = leakRuns(results);
  if (runs.length === 0) return null;
  const rows = runs.flatMap((run) =>
    run.processes.flatMap((process) =>
      process.requestMetrics.map((request) => ({
        variant: run.variant, run: run.id, t: since(run, request.at),
        gcShare: request.gcCpuShare,
        heapGoal: request.heapGoalBytes === null ? null : request.heapGoalBytes / MiB,
        total: request.memoryTotalBytes === null ? null : request.memoryTotalBytes / MiB,
      })),
    ),
  );
  const kills = runs.flatMap((run) => run.terminations.filter((t) => t.oomKilled).map((t) => ({ variant: run.variant, run: run.id, t: since(run, t.at) })));
  const variants = [...new Set(runs.map((run) => run.variant))];
  const color = { field: 'variant', type: 'nominal', title: null, scale: colorScale(variants), legend: { columns: legendColumns(variants) } };
  const x = { field: 't', type: 'quantitative', title: 'seconds since the repetition started' };
  const killLayer = { data: { values: kills }, mark: { type: 'rule', color: LIMIT_COLOR, strokeDash: [2, 2], opacity: 0.7 }, encoding: { x, detail: { field: 'run' } } };
  const limitMiB = results.limits.memoryLimitBytes / MiB;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: SPIRAL_TITLES.leak,
      subtitle: ['One line per repetition, one point per request; red dotted rules: OOM kills.', `Bottom: Go's heap goal and all memory it mapped, against the ${limitMiB} MiB limit.`],
    },
    config: CONFIG,
    data: { values: rows },
    vconcat: [
      {
        width: PANEL_WIDTH, height: 150,
        layer: [
          { mark: { type: 'line', point: { filled: true, size: 16 }, opacity: 0.8 }, encoding: { x, y: { field: 'gcShare', type: 'quantitative', title: 'GC share of CPU', axis: { format: '.0%' }, scale: { domain: [0, 1] } }, color, detail: { field: 'run' } } },
          killLayer,
        ],
      },
      {
        width: PANEL_WIDTH, height: 170,
        layer: [
          { mark: { type: 'line', opacity: 0.8 }, encoding: { x, y: { field: 'total', type: 'quantitative', title: 'MiB (solid: mapped, dashed: heap goal)' }, color, detail: { field: 'run' } } },
          { mark: { type: 'line', strokeDash: [4, 3], opacity: 0.8 }, encoding: { x, y: { field: 'heapGoal', type: 'quantitative' }, color, detail: { field: 'run' } } },
          { data: { values: [{ limit: limitMiB }] }, mark: { type: 'rule', color: LIMIT_COLOR }, encoding: { y: { field: 'limit', type: 'quantitative' } } },
          killLayer,
        ],
      },
    ],
  } as TopLevelSpec;
}
