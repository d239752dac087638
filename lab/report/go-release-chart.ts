// One variant on two or more Go releases, side by side: the container's memory over time and the heap per GC
// cycle, so a reader sees where one release's request dies and the other's does not.
import type { TopLevelSpec } from 'vega-lite';
import type { Results, VariantSummary } from '../model/results.js';
import { releaseOf } from './go-line.js';
import { CONFIG, GOMEMLIMIT_COLOR, GRID_PANEL_WIDTH, LIMIT_COLOR, MiB, downsample, mibLabel, splitAtGaps } from './chart-kit.js';

export const GO_RELEASE_TITLE = 'One variant on each Go release: memory over time and heap per GC cycle';

const OUTCOME = { domain: ['OOM-killed', 'survived'], range: [LIMIT_COLOR, '#4c78a8'] };
const HEAP_SERIES = { domain: ['heap at GC start', 'live heap (marked)'], range: [[1, 0], [2, 3]] };

/** The variant family to set side by side: built on at least two releases; one with GOMEMLIMIT first (the fix in question). */
export function goReleaseFamily(results: Pick<Results, 'variants'>): VariantSummary[] | null {
  const families = new Map<string, VariantSummary[]>();
  for (const variant of results.variants) {
    if (releaseOf(variant) === null || variant.repetitions === 0) continue;
    const key = `${variant.base ?? variant.name} ${variant.go?.experiments.join(',') ?? ''}`;
    families.set(key, [...(families.get(key) ?? []), variant]);
  }
  const spanning = [...families.values()].filter((family) => new Set(family.map(releaseOf)).size > 1);
  const chosen = spanning.find((family) => family.some((v) => v.gomemlimitBytes !== null)) ?? spanning[0];
  return chosen ? [...chosen].sort((a, b) => releaseOf(a)!.localeCompare(releaseOf(b)!, 'en', { numeric: true })) : null;
}

const panelOf = (variant: VariantSummary) => `${releaseOf(variant)}: ${variant.survivedRepetitions}/${variant.repetitions} survived`;

function rows(results: Results, family: VariantSummary[]): object[] {
  const out: object[] = [];
  for (const variant of family) {
    const panel = panelOf(variant);
    out.push({ kind: 'limit', panel, mib: variant.memoryLimitBytes / MiB, label: `limit ${mibLabel(variant.memoryLimitBytes)}` });
    if (variant.gomemlimitBytes !== null) out.push({ kind: 'gomemlimit', panel, mib: variant.gomemlimitBytes / MiB });
    for (const run of results.runs.filter((r) => r.variant === variant.name)) {
      const outcome = run.oomKills > 0 ? 'OOM-killed' : 'survived';
      splitAtGaps(run.memory.samples).forEach((segment, index) => {
        for (const [ms, bytes] of downsample(segment, 300)) out.push({ kind: 'memory', panel, outcome, line: `${run.id}#${index}`, s: ms / 1000, mib: bytes / MiB });
      });
      for (const process of run.processes) {
        for (const cycle of process.gcCycles) {
          out.push({ kind: 'heap', panel, outcome, line: `${run.id}#${process.index} start`, series: 'heap at GC start', cycle: cycle.cycle, mib: cycle.heapStartMB });
          out.push({ kind: 'heap', panel, outcome, line: `${run.id}#${process.index} live`, series: 'live heap (marked)', cycle: cycle.cycle, mib: cycle.liveMB });
        }
      }
    }
  }
  return out;
}

function ruleLayers(): object[] {
  return [
    { transform: [{ filter: "datum.kind === 'limit'" }], mark: { type: 'rule', color: LIMIT_COLOR, strokeWidth: 2 }, encoding: { y: { field: 'mib', type: 'quantitative' } } },
    { transform: [{ filter: "datum.kind === 'gomemlimit'" }], mark: { type: 'rule', color: GOMEMLIMIT_COLOR, strokeWidth: 1.5, strokeDash: [7, 4] }, encoding: { y: { field: 'mib', type: 'quantitative' } } },
  ];
}

function panelRow(family: VariantSummary[], values: object[], layer: object, height: number): object {
  return {
    data: { values },
    facet: { column: { field: 'panel', type: 'nominal', title: null, sort: family.map(panelOf) } },
    spec: { width: GRID_PANEL_WIDTH, height, layer: [layer, ...ruleLayers()] },
  };
}

/** Null unless some variant ran on two or more Go releases. */
export function goReleaseSpec(results: Results): TopLevelSpec | null {
  const family = goReleaseFamily(results);
  if (!family) return null;
  const values = rows(results, family);
  const yMax = Math.max(...values.map((row) => (row as { mib?: number }).mib ?? 0)) * 1.08;
  const y = (title: string) => ({ field: 'mib', type: 'quantitative', title, scale: { domain: [0, yMax], nice: false } });
  const outcome = { field: 'outcome', type: 'nominal', title: 'repetition', scale: OUTCOME };
  const memory = {
    transform: [{ filter: "datum.kind === 'memory'" }],
    mark: { type: 'line', strokeWidth: 1.2, opacity: 0.6 },
    encoding: { x: { field: 's', type: 'quantitative', title: 'time since sampling started (s)' }, y: y('container memory (MiB)'), color: outcome, detail: { field: 'line' } },
  };
  const heap = {
    transform: [{ filter: "datum.kind === 'heap'" }],
    mark: { type: 'line', strokeWidth: 1.2, opacity: 0.6, point: { size: 10, filled: true } },
    encoding: {
      x: { field: 'cycle', type: 'quantitative', title: 'GC cycle (gctrace)', axis: { format: 'd', tickMinStep: 1 } },
      y: y('Go heap (MiB)'),
      color: outcome,
      strokeDash: { field: 'series', type: 'nominal', title: 'gctrace figure', scale: HEAP_SERIES },
      detail: { field: 'line' },
    },
  };
  const base = family[0]!.base ?? family[0]!.name;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: GO_RELEASE_TITLE,
      subtitle: [
        `${base}: ${family[0]!.gomemlimitBytes !== null ? `GOMEMLIMIT ${mibLabel(family[0]!.gomemlimitBytes)}` : 'no GOMEMLIMIT'} under a ${mibLabel(family[0]!.memoryLimitBytes)} limit; one line per repetition.`,
        'Top: cgroup memory (red line: the limit; dashed: GOMEMLIMIT). Bottom: heap at each GC start (solid) and live after it (dotted).',
      ],
    },
    config: CONFIG,
    vconcat: [panelRow(family, values, memory, 150), panelRow(family, values, heap, 150)],
    resolve: { scale: { color: 'shared', strokeDash: 'shared' } },
  } as TopLevelSpec;
}
