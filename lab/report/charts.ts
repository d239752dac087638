// Vega-Lite charts for the report, rendered headlessly to SVG strings (no browser, no canvas).
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { Results } from './results.js';

const MiB = 2 ** 20;
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const PANEL_WIDTH = 560; // plus the y axis, about 640 px overall: fits a ~700 px blog column
const LIMIT_COLOR = '#d62728';
const GOMEMLIMIT_COLOR = '#8c1c13';
/** Fixed colours for the seed's variants so every chart and post agrees; others take the rest in order. */
const KNOWN_VARIANT_COLORS: Record<string, string> = { baseline: '#f58518', gomemlimit: '#4c78a8' };
const SPARE_COLORS = ['#54a24b', '#b279a2', '#72b7b2', '#9d755d', '#eeca3b', '#bab0ac', '#ff9da6', '#439894'];
const SERIES = [
  { key: 'heapStartMB', label: 'heap at GC start', color: '#3182bd' },
  { key: 'liveMB', label: 'live heap (marked)', color: '#31a354' },
  { key: 'goalMB', label: 'heap goal', color: '#756bb1' },
] as const;

export const CHART_TITLES = {
  heapPerCycle: 'Go heap per GC cycle vs the container limit',
  memoryTimeline: 'Container memory (cgroup) over time vs the limit',
  survival: 'Survival rate per variant',
} as const;

// labelLimit 0 (never truncate): the SVG renderer uses its own copy of vega-scenegraph whose
// crude width estimate would cut legend labels short; layout uses our estimate (see textWidth).
const CONFIG = {
  background: 'white',
  font: FONT,
  padding: 16,
  title: { fontSize: 17, subtitleFontSize: 12, subtitleColor: '#555', anchor: 'start', offset: 14 },
  axis: { labelFontSize: 12, labelLimit: 0, titleFontSize: 13, titleFontWeight: 'normal', titleColor: '#333', gridColor: '#e8e8e8' },
  legend: { labelFontSize: 12, labelLimit: 0, titleFontSize: 12, orient: 'bottom', direction: 'horizontal', columnPadding: 18, symbolStrokeWidth: 2 },
  header: { labelFontSize: 13, labelFontWeight: 'bold', labelOrient: 'top', labelAnchor: 'start', labelAngle: 0, labelPadding: 6 },
  view: { stroke: '#ccc' },
} as const;

/** "400 MiB", or one decimal when the limit is not a whole number of MiB. */
function mibLabel(bytes: number): string {
  const mib = bytes / MiB;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

function variantNames(results: Results): string[] {
  const names = results.variants.map((v) => v.name);
  for (const run of results.runs) if (!names.includes(run.variant)) names.push(run.variant);
  return names;
}

function variantColors(results: Results): { domain: string[]; range: string[] } {
  const domain = variantNames(results);
  let spare = 0;
  const range = domain.map((name) => KNOWN_VARIANT_COLORS[name] ?? SPARE_COLORS[spare++ % SPARE_COLORS.length]!);
  return { domain, range };
}

/** Facet header for a variant: what it is and how it fared. */
function panelLabels(results: Results): Map<string, string> {
  const labels = new Map<string, string>();
  for (const name of variantNames(results)) {
    const v = results.variants.find((variant) => variant.name === name);
    const limit = v?.gomemlimitBytes != null ? `GOMEMLIMIT ${mibLabel(v.gomemlimitBytes)}` : 'no GOMEMLIMIT';
    const survived = v ? `, ${v.survivedRepetitions}/${v.repetitions} repetitions survived` : '';
    labels.set(name, `${name} (${limit})${survived}`);
  }
  return labels;
}

/** A labelled horizontal rule: solid red for the container limit, dashed dark red for GOMEMLIMIT. */
function limitLayers(kind: 'limit' | 'gomemlimit'): object[] {
  const isLimit = kind === 'limit';
  const filter = { filter: `datum.kind === '${kind}'` };
  return [
    {
      transform: [filter],
      mark: { type: 'rule', color: isLimit ? LIMIT_COLOR : GOMEMLIMIT_COLOR, strokeWidth: 2, strokeDash: isLimit ? [] : [7, 4] },
      encoding: { y: { field: 'mib', type: 'quantitative' } },
    },
    {
      transform: [filter],
      // The two rules coincide when GOMEMLIMIT = limit: label one above-left, the other below-right.
      mark: {
        type: 'text',
        color: isLimit ? LIMIT_COLOR : GOMEMLIMIT_COLOR,
        fontSize: 12,
        fontWeight: 'bold',
        align: isLimit ? 'left' : 'right',
        baseline: isLimit ? 'bottom' : 'top',
        dx: isLimit ? 4 : -4,
        dy: isLimit ? -3 : 3,
      },
      encoding: { x: { value: isLimit ? 0 : 'width' }, y: { field: 'mib', type: 'quantitative' }, text: { field: 'label' } },
    },
  ];
}

function ruleRows(results: Results, panels: Map<string, string>): object[] {
  const rows: object[] = [];
  const limit = results.limits.memoryLimitBytes;
  for (const [name, panel] of panels) {
    rows.push({ kind: 'limit', panel, mib: limit / MiB, label: `limit ${mibLabel(limit)}` });
    const gomemlimit = results.variants.find((v) => v.name === name)?.gomemlimitBytes;
    if (gomemlimit != null) rows.push({ kind: 'gomemlimit', panel, mib: gomemlimit / MiB, label: `GOMEMLIMIT ${mibLabel(gomemlimit)}` });
  }
  return rows;
}

/** Room above the highest of data and limits, so the limit rule and its label never sit on the frame. */
function yScale(results: Results, dataMaxMiB: number) {
  const limits = [results.limits.memoryLimitBytes, ...results.variants.map((v) => v.gomemlimitBytes ?? 0)];
  return { domainMin: 0, domainMax: Math.max(dataMaxMiB, ...limits.map((b) => b / MiB)) * 1.08 };
}

const maxMib = (rows: object[]) => rows.reduce((m: number, r) => Math.max(m, (r as { mib: number }).mib), 0);

function facetRows(panels: Map<string, string>) {
  return { field: 'panel', type: 'nominal', title: null, sort: [...panels.values()] } as const;
}

export function heapPerCycleSpec(results: Results): TopLevelSpec {
  const panels = panelLabels(results);
  const heapRows: object[] = [];
  for (const run of results.runs) {
    for (const proc of run.processes) {
      const outcome = proc.oomKilled ? 'OOMKilled' : 'survived';
      const processLabel = `rep ${run.rep} #${proc.index} (${outcome})`;
      for (const cycle of proc.gcCycles) {
        for (const s of SERIES) {
          const line = `${run.variant} ${processLabel}: ${s.label}`;
          heapRows.push({ kind: 'heap', panel: panels.get(run.variant), process: processLabel, outcome, series: s.label, line, cycle: cycle.cycle, mib: cycle[s.key] });
        }
      }
      const last = proc.gcCycles.at(-1);
      if (proc.oomKilled && last) {
        heapRows.push({ kind: 'kill', panel: panels.get(run.variant), process: processLabel, cycle: last.cycle, mib: last.heapStartMB });
      }
    }
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: CHART_TITLES.heapPerCycle,
      subtitle: [
        `${results.request.bodyMiB} MiB response; from GODEBUG=gctrace=1, one line per process and figure (Go's "MB" are MiB)`,
        'Red cross: the last GC cycle before the process was OOM-killed',
      ],
    },
    config: CONFIG,
    data: { values: [...heapRows, ...ruleRows(results, panels)] },
    facet: { row: facetRows(panels) },
    spec: {
      width: PANEL_WIDTH,
      height: panels.size > 2 ? 160 : 210,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'heap'" }],
          // Static SVG: no tooltips, and one accessible description per line, not per point (keeps files small).
          mark: { type: 'line', strokeWidth: 1.6, point: { size: 22, filled: true, aria: false, strokeDash: [] }, opacity: 0.85 },
          encoding: {
            x: { field: 'cycle', type: 'quantitative', title: 'GC cycle (gc N in gctrace, counted per process)', axis: { format: 'd', tickMinStep: 1 } },
            y: { field: 'mib', type: 'quantitative', title: 'Go heap (MiB)', scale: yScale(results, maxMib(heapRows)) },
            color: {
              field: 'series',
              type: 'nominal',
              title: 'gctrace figure',
              scale: { domain: SERIES.map((s) => s.label), range: SERIES.map((s) => s.color) },
            },
            strokeDash: {
              field: 'outcome',
              type: 'nominal',
              title: 'process ended',
              legend: { symbolType: 'stroke', symbolSize: 500 },
              scale: { domain: ['OOMKilled', 'survived'], range: [[1, 0], [5, 3]] },
            },
            detail: { field: 'process' },
            description: { field: 'line' },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'kill'" }],
          mark: { type: 'point', color: LIMIT_COLOR, size: 140, strokeWidth: 2.5 },
          encoding: {
            x: { field: 'cycle', type: 'quantitative' },
            y: { field: 'mib', type: 'quantitative' },
            shape: { value: 'cross' },
          },
        },
        ...limitLayers('limit'),
        ...limitLayers('gomemlimit'),
      ],
    },
    resolve: { axis: { x: 'independent' } },
  } as TopLevelSpec;
}

/**
 * At most ~maxPoints samples: the min and max of each bucket, in time order, so peaks
 * (how close to the limit) and sudden drops (the kill) both survive.
 */
export function downsample(samples: readonly (readonly [number, number])[], maxPoints = 600): [number, number][] {
  if (samples.length <= maxPoints) return samples.map(([t, v]) => [t, v]);
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const size = samples.length / buckets;
  const out: [number, number][] = [];
  for (let b = 0; b < buckets; b++) {
    const slice = samples.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    let lo = slice[0];
    let hi = slice[0];
    if (!lo || !hi) continue;
    for (const s of slice) {
      if (s[1] < lo[1]) lo = s;
      if (s[1] > hi[1]) hi = s;
    }
    const pair = lo === hi ? [lo] : lo[0] <= hi[0] ? [lo, hi] : [hi, lo];
    for (const [t, v] of pair) out.push([t, v]);
  }
  return out;
}

/**
 * Splits a sample series where sampling paused (no cgroup: the process was killed and not yet restarted),
 * so the chart shows a gap instead of a line sloping from the kill to the restarted process.
 */
export function splitAtGaps(samples: readonly (readonly [number, number])[], gapMs = 500): (readonly [number, number])[][] {
  const segments: (readonly [number, number])[][] = [];
  let previous: number | null = null;
  for (const sample of samples) {
    if (previous === null || sample[0] - previous > gapMs) segments.push([]);
    segments[segments.length - 1]!.push(sample);
    previous = sample[0];
  }
  return segments;
}

export function memoryTimelineSpec(results: Results): TopLevelSpec {
  const panels = panelLabels(results);
  const rows: object[] = [];
  for (const run of results.runs) {
    splitAtGaps(run.memory.samples).forEach((segment, index) => {
      for (const [ms, bytes] of downsample(segment)) {
        rows.push({ kind: 'memory', panel: panels.get(run.variant), variant: run.variant, id: run.id, segment: `${run.id}#${index}`, s: ms / 1000, mib: bytes / MiB });
      }
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: CHART_TITLES.memoryTimeline,
      subtitle: `One line per repetition; memory.current sampled at ~${results.runs[0]?.memory.targetHz ?? 20} Hz, a line ends when sampling stopped`,
    },
    config: CONFIG,
    data: { values: [...rows, ...ruleRows(results, panels)] },
    facet: { row: facetRows(panels) },
    spec: {
      width: PANEL_WIDTH,
      height: panels.size > 2 ? 150 : 190,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'memory'" }],
          mark: { type: 'line', strokeWidth: 1.6, opacity: 0.85, interpolate: 'linear' },
          encoding: {
            x: { field: 's', type: 'quantitative', title: 'time since sampling started (s)', axis: { tickCount: 10 } },
            y: { field: 'mib', type: 'quantitative', title: 'container memory (MiB)', scale: yScale(results, maxMib(rows)) },
            color: { field: 'variant', type: 'nominal', title: 'variant', scale: variantColors(results) },
            detail: { field: 'segment' },
            description: { field: 'id' },
          },
        },
        ...limitLayers('limit'),
        ...limitLayers('gomemlimit'),
      ],
    },
    resolve: { axis: { x: 'independent' } },
  } as TopLevelSpec;
}

export function survivalSpec(results: Results): TopLevelSpec {
  const rows = results.variants.map((v) => ({
    variant: v.name,
    // Two-line axis label (name, then the count) so several variants fit side by side.
    label: `${v.name}\n${v.survivedRepetitions}/${v.repetitions} survived${v.survival.rate === null ? '' : ` (${Math.round(v.survival.rate * 100)}%)`}`,
    rate: v.survival.rate,
    low: v.survival.low,
    high: v.survival.high,
  }));
  const x = {
    field: 'label',
    type: 'nominal',
    title: 'variant',
    sort: rows.map((r) => r.label),
    axis: { labelAngle: 0, labelFontSize: 12, labelExpr: "split(datum.label, '\\n')", labelLineHeight: 16, titlePadding: 8 },
  };
  const y = (field: string) => ({ field, type: 'quantitative', title: 'repetitions survived (%)', axis: { format: '.0%' }, scale: { domain: [0, 1] } });
  const color = { field: 'variant', type: 'nominal', title: 'variant', scale: variantColors(results), legend: { symbolType: 'square' } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: CHART_TITLES.survival, subtitle: 'Repetitions with every request answered and no OOM kill; error bars: 95% Wilson interval' },
    config: CONFIG,
    width: PANEL_WIDTH,
    height: 260,
    data: { values: rows },
    layer: [
      { mark: { type: 'bar', width: { band: 0.5 }, opacity: 0.85 }, encoding: { x, y: y('rate'), color } },
      // A thick tick at the rate keeps a 0% variant visible in its colour.
      { mark: { type: 'tick', thickness: 4, width: { band: 0.5 } }, encoding: { x, y: y('rate'), color } },
      {
        mark: { type: 'errorbar', ticks: { size: 22 }, thickness: 2, color: '#222' },
        encoding: { x, y: y('low'), y2: { field: 'high' } },
      },
    ],
  } as TopLevelSpec;
}

// Without node-canvas Vega guesses every glyph is 0.8 em wide, which makes layouts (titles,
// legends) far too wide. Vega supports replacing textMetrics.width (vl-convert does the same);
// these are DejaVu Sans advance widths in em, the widest font in our font-family list.
const GLYPH_EM: [RegExp, number][] = [
  [/[ilj.,:;'!|I]/, 0.3],
  [/[ ft()[\]\/-]/, 0.36],
  [/[r"]/, 0.42],
  [/[sz_–]/, 0.52],
  [/[mwMW%—…]/, 0.95],
  [/[a-z0-9$?]/, 0.62],
  [/[A-Z#=+<>~×&@]/, 0.74],
];

interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
  limit?: number;
}

function textWidth(item: TextItem, text?: unknown): number {
  const size = item.fontSize ?? 11;
  const bold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600;
  let em = 0;
  for (const ch of String(text ?? '').trim()) em += GLYPH_EM.find(([re]) => re.test(ch))?.[1] ?? 0.62;
  const width = em * size * (bold ? 1.1 : 1);
  // Vega truncates text longer than `limit` with an ellipsis; the drawn text is then at most that wide.
  return item.limit && item.limit > 0 ? Math.min(width, item.limit) : width;
}

let metricsInstalled = false;
function installTextMetrics(): void {
  if (metricsInstalled) return;
  const metrics = (vega as unknown as { textMetrics?: { width: typeof textWidth } }).textMetrics;
  if (metrics) metrics.width = textWidth;
  metricsInstalled = true;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  installTextMetrics();
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize(); // releases timers and listeners: a render in a long-lived process must not leak
  }
}

export const renderHeapPerCycleSvg = (results: Results) => renderSvg(heapPerCycleSpec(results));
export const renderMemoryTimelineSvg = (results: Results) => renderSvg(memoryTimelineSpec(results));
export const renderSurvivalSvg = (results: Results) => renderSvg(survivalSpec(results));

export interface RenderedChart {
  name: string;
  title: string;
  svg: string;
}

export async function renderAllCharts(results: Results): Promise<RenderedChart[]> {
  return [
    { name: 'heap-per-cycle.svg', title: CHART_TITLES.heapPerCycle, svg: await renderHeapPerCycleSvg(results) },
    { name: 'memory-timeline.svg', title: CHART_TITLES.memoryTimeline, svg: await renderMemoryTimelineSvg(results) },
    { name: 'survival.svg', title: CHART_TITLES.survival, svg: await renderSurvivalSvg(results) },
  ];
}
