// Vega-Lite charts for the report, rendered headlessly to SVG strings (no browser, no canvas).
// png.ts turns each SVG into a 2x PNG for blogs. Every chart fits a ~700 px column: up to two
// variants get one wide panel each, more get a two-column grid of small panels.
import type { TopLevelSpec } from 'vega-lite';
import {
  CHART_TITLES,
  downsample,
  splitAtGaps,
  CONFIG,
  GOMEMLIMIT_COLOR,
  GRID_COLUMNS,
  GRID_PANEL_WIDTH,
  HEADER_FONT_SIZE,
  LIMIT_COLOR,
  MiB,
  PANEL_WIDTH,
  colorScale,
  hasFrontier,
  legendColumns,
  mibLabel,
  renderSvg,
  textWidth,
  trimMiB,
  type TextItem,
} from './chart-kit.js';
import { renderFrontierSvg } from './frontier-chart.js';
import { limitAtRequest, type Results, type VariantSummary } from '../model/results.js';

export { CHART_TITLES, downsample, renderSvg, splitAtGaps, textWidth } from './chart-kit.js';
import { SPIRAL_TITLES, leakTimelineSpec, ratioSweepSpec } from './spiral-charts.js';
import { GO_RELEASE_TITLE, goReleaseSpec } from './go-release-chart.js';
import { PRESSURE_TITLE, pressureSpec } from './pressure-chart.js';
export { frontierSpec, frontierText, renderFrontierSvg, widestGapCentre } from './frontier-chart.js';

const SERIES = [
  { key: 'heapStartMB', label: 'heap at GC start', color: '#3182bd' },
  { key: 'liveMB', label: 'live heap (marked)', color: '#31a354' },
  { key: 'goalMB', label: 'heap goal', color: '#756bb1' },
] as const;

const summaryOf = (results: Results, name: string): VariantSummary | undefined => results.variants.find((v) => v.name === name);

/** The memory limit a variant's requests met: its own when a sweep or resize changed it, else the run's. */
const limitOf = (results: Results, name: string) => {
  const summary = summaryOf(results, name);
  return summary ? limitAtRequest(summary) : results.limits.memoryLimitBytes;
}; // a run's variant is always summarised; the run's limit covers a name that is not

function allVariantNames(results: Results): string[] {
  const names = results.variants.map((v) => v.name);
  for (const run of results.runs) if (!names.includes(run.variant)) names.push(run.variant);
  return names;
}

/**
 * The variants the per-variant charts show. A frontier search runs a variant per probe (a dozen or
 * more): its charts show the two probes that bracket each frontier, the largest body that met the
 * target and the smallest that missed it; the frontier chart shows every probe.
 */
export function chartVariants(results: Results): string[] {
  if (!hasFrontier(results)) return allVariantNames(results);
  const names: string[] = [];
  for (const f of results.frontier) {
    for (const size of [f.frontierMiB, f.failedMiB]) {
      const probe = f.probes.find((p) => p.valueMiB === size);
      if (probe && !names.includes(probe.variant)) names.push(probe.variant);
    }
  }
  return names;
}

/** Colour key of a variant: a frontier probe takes its frontier variant's colour. */
function colorGroup(results: Results, name: string): string {
  return results.frontier?.find((f) => f.probes.some((p) => p.variant === name))?.variant ?? name;
}

function variantColors(results: Results, names: string[]): { domain: string[]; range: string[] } {
  return colorScale([...new Set(names.map((name) => colorGroup(results, name)))]);
}

/** The colour encoding by variant (frontier probes by their frontier variant), with its legend. */
function variantColor(results: Results, names: string[], legend: object = {}) {
  const scale = variantColors(results, names);
  return { field: 'variant', type: 'nominal', title: 'variant', scale, legend: { columns: legendColumns(scale.domain), ...legend } } as const;
}

/**
 * Greedy line wrap of `tokens` (each ending in its own separator) so no line is wider than
 * maxWidth px by our text estimate; a single token wider than that gets a line of its own.
 */
export function wrapTokens(tokens: string[], maxWidth: number, item: TextItem): string[] {
  const lines: string[] = [];
  let line = '';
  for (const token of tokens) {
    if (line && textWidth(item, line + token) > maxWidth) {
      lines.push(line.trimEnd());
      line = token.trimStart();
    } else line += token;
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines;
}

/** "limit-90.limit-300mi.go-1.19.13" splits after its dots; the details after each " · ". */
function headerLines(name: string, details: string[], maxWidth: number): string[] {
  const bold = { fontSize: HEADER_FONT_SIZE, fontWeight: 'bold' };
  const nameTokens = name.split(/(?<=\.)/);
  const detailTokens = details.map((d, i) => (i < details.length - 1 ? `${d} · ` : d));
  return [...wrapTokens(nameTokens, maxWidth, bold), ...wrapTokens(detailTokens, maxWidth, bold)];
}

interface Layout {
  columns: number;
  width: number;
}

function layoutFor(panels: number): Layout {
  return panels <= 2 ? { columns: 1, width: PANEL_WIDTH } : { columns: GRID_COLUMNS, width: GRID_PANEL_WIDTH };
}

/** What a panel's variant is: its limits and body where they differ from the run's. */
function variantFacts(results: Results, name: string): string[] {
  const v = summaryOf(results, name);
  const facts: string[] = [];
  // A swept value is in the name already (".limit-300mi", ".body-96").
  if (v?.resizeToBytes !== undefined) facts.push(`limit ${mibLabel(v.memoryLimitBytes)} → ${mibLabel(v.resizeToBytes)}`);
  else if (v && v.memoryLimitBytes !== results.limits.memoryLimitBytes && !('limit' in v.axes)) facts.push(`limit ${mibLabel(v.memoryLimitBytes)}`);
  if (v?.bodyMiB !== undefined && v.bodyMiB !== results.request.bodyMiB && !('body' in v.axes)) facts.push(`body ${trimMiB(v.bodyMiB)} MiB`);
  facts.push(v?.gomemlimitBytes != null ? `GOMEMLIMIT ${mibLabel(v.gomemlimitBytes)}${v.resizeToBytes !== undefined ? ' at start' : ''}` : 'no GOMEMLIMIT');
  return facts;
}

/** Facet header per variant, with line breaks: the name, then what it is and how it fared. */
function panelLabels(results: Results, names: string[], layout: Layout, outcome: (name: string) => string | null): Map<string, string> {
  const labels = new Map<string, string>();
  for (const name of names) {
    const details = [...variantFacts(results, name), outcome(name)].filter((d): d is string => d !== null);
    // One line when it fits a wide panel (the seed's look); in a grid, the name then the details.
    const oneLine = `${name} (${details.join(', ')})`;
    const fits = layout.columns === 1 && textWidth({ fontSize: HEADER_FONT_SIZE, fontWeight: 'bold' }, oneLine) <= layout.width;
    labels.set(name, fits ? oneLine : headerLines(name, details, layout.width).join('\n'));
  }
  return labels;
}

function repetitionsOutcome(results: Results) {
  return (name: string) => {
    const v = summaryOf(results, name);
    return v ? `${v.survivedRepetitions}/${v.repetitions} survived` : null;
  };
}

/**
 * Labelled horizontal rules: solid red for the container limit, dashed dark red for GOMEMLIMIT.
 * Labels sit at the left, where memory is still low: the higher rule's label above its line, the
 * lower one's below, so they never overlap, even when the two rules coincide (GOMEMLIMIT = limit).
 */
function limitLayers(): object[] {
  const layers: object[] = [];
  for (const kind of ['limit', 'gomemlimit'] as const) {
    const color = kind === 'limit' ? LIMIT_COLOR : GOMEMLIMIT_COLOR;
    layers.push({
      transform: [{ filter: `datum.kind === '${kind}'` }],
      mark: { type: 'rule', color, strokeWidth: 2, strokeDash: kind === 'limit' ? [] : [7, 4] },
      encoding: { y: { field: 'mib', type: 'quantitative' } },
    });
    for (const above of [true, false]) {
      layers.push({
        transform: [{ filter: `datum.kind === '${kind}' && datum.above === ${above}` }],
        mark: { type: 'text', color, fontSize: 11, fontWeight: 'bold', align: 'left', baseline: above ? 'bottom' : 'top', dx: 4, dy: above ? -3 : 3 },
        encoding: { x: { value: 0 }, y: { field: 'mib', type: 'quantitative' }, text: { field: 'label' } },
      });
    }
  }
  return layers;
}

function ruleRows(results: Results, panels: Map<string, string>): object[] {
  const rows: object[] = [];
  for (const [name, panel] of panels) {
    const limit = limitOf(results, name);
    const gomemlimit = summaryOf(results, name)?.gomemlimitBytes;
    const limitAbove = gomemlimit == null || limit >= gomemlimit;
    rows.push({ kind: 'limit', panel, mib: limit / MiB, above: limitAbove, label: `limit ${mibLabel(limit)}` });
    if (gomemlimit != null) rows.push({ kind: 'gomemlimit', panel, mib: gomemlimit / MiB, above: !limitAbove, label: `GOMEMLIMIT ${mibLabel(gomemlimit)}` });
  }
  return rows;
}

/** Room above the highest of data and limits, so the limit rule and its label never sit on the frame. */
function yScale(results: Results, names: string[], dataMaxMiB: number) {
  const limits = names.flatMap((name) => [limitOf(results, name), summaryOf(results, name)?.gomemlimitBytes ?? 0]);
  return { domainMin: 0, domainMax: Math.max(dataMaxMiB, ...limits.map((b) => b / MiB)) * 1.1, nice: false };
}

const maxMib = (rows: object[]) => rows.reduce((m: number, r) => Math.max(m, (r as { mib: number }).mib), 0);

/** Faceting by panel: one column of wide panels, or a two-column grid. */
function facetFor(panels: Map<string, string>, layout: Layout) {
  const facet = { field: 'panel', type: 'nominal', title: null, sort: [...panels.values()] } as const;
  return layout.columns === 1 ? { facet: { row: facet } } : { facet, columns: layout.columns };
}

/** A grey note in the middle of a panel with nothing to draw (e.g. GOGC=off: no GC cycle, no gctrace line). */
function noteLayer(layout: Layout, height: number): object {
  return {
    transform: [{ filter: "datum.kind === 'note'" }],
    mark: { type: 'text', color: '#777', fontSize: 12, fontStyle: 'italic', align: 'center', baseline: 'middle' },
    encoding: { x: { value: layout.width / 2 }, y: { value: height / 2 }, text: { field: 'label' } },
  };
}

export function heapPerCycleSpec(results: Results): TopLevelSpec {
  const names = chartVariants(results);
  const layout = layoutFor(names.length);
  const processCounts = (name: string) => {
    const processes = results.runs.filter((run) => run.variant === name).flatMap((run) => run.processes);
    const killed = processes.filter((p) => p.oomKilled).length;
    return `${killed}/${processes.length} OOM-killed`;
  };
  const panels = panelLabels(results, names, layout, processCounts);
  const heapRows: object[] = [];
  const withCycles = new Set<string>();
  for (const run of results.runs) {
    const panel = panels.get(run.variant);
    if (panel === undefined) continue;
    for (const proc of run.processes) {
      const outcome = proc.oomKilled ? 'OOM-killed' : 'survived';
      const processLabel = `rep ${run.rep} #${proc.index} (${proc.oomKilled ? 'OOMKilled' : 'survived'})`;
      for (const cycle of proc.gcCycles) {
        withCycles.add(run.variant);
        for (const s of SERIES) {
          const line = `${run.variant} ${processLabel}: ${s.label}`;
          heapRows.push({ kind: 'heap', panel, process: `${run.id} #${proc.index}`, outcome, series: s.label, line, cycle: cycle.cycle, mib: cycle[s.key] });
        }
      }
      const last = proc.gcCycles.at(-1);
      if (proc.oomKilled && last) heapRows.push({ kind: 'kill', panel, process: processLabel, cycle: last.cycle, mib: last.heapStartMB });
    }
  }
  const notes = names.filter((name) => !withCycles.has(name)).map((name) => ({ kind: 'note', panel: panels.get(name), label: 'no gctrace line: no GC cycle ran' }));
  const bodies = [...new Set(names.map((name) => summaryOf(results, name)?.bodyMiB ?? results.request.bodyMiB))];
  const height = layout.columns === 1 ? 210 : 135;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: CHART_TITLES.heapPerCycle,
      subtitle: [
        `${bodies.length === 1 ? `${bodies[0]} MiB response` : 'Response size per panel'}; from GODEBUG=gctrace=1 (Go's "MB" are MiB).`,
        'One line per process and figure: solid, the process was OOM-killed (red cross: its',
        'last GC cycle); dashed, it survived. "1/4 OOM-killed": of 4 processes (with restarts).',
      ],
    },
    config: CONFIG,
    data: { values: [...heapRows, ...notes, ...ruleRows(results, panels)] },
    ...facetFor(panels, layout),
    spec: {
      width: layout.width,
      height,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'heap'" }],
          // Static SVG: no tooltips, and one accessible description per line, not per point (keeps files small).
          mark: { type: 'line', strokeWidth: 1.6, point: { size: layout.columns === 1 ? 22 : 14, filled: true, aria: false, strokeDash: [] }, opacity: 0.85 },
          encoding: {
            x: { field: 'cycle', type: 'quantitative', title: 'GC cycle (gc N in gctrace, per process)', axis: { format: 'd', tickMinStep: 1 }, scale: { padding: 8 } },
            y: { field: 'mib', type: 'quantitative', title: 'Go heap (MiB)', scale: yScale(results, names, maxMib(heapRows)) },
            color: {
              field: 'series',
              type: 'nominal',
              title: 'gctrace figure',
              scale: { domain: SERIES.map((s) => s.label), range: SERIES.map((s) => s.color) },
            },
            strokeDash: {
              field: 'outcome',
              type: 'nominal',
              title: 'process',
              legend: { symbolType: 'stroke', symbolSize: 500 },
              scale: { domain: ['OOM-killed', 'survived'], range: [[1, 0], [5, 3]] },
            },
            detail: { field: 'process' },
            description: { field: 'line' },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'kill'" }],
          mark: { type: 'point', color: LIMIT_COLOR, size: layout.columns === 1 ? 140 : 90, strokeWidth: 2.5 },
          encoding: {
            x: { field: 'cycle', type: 'quantitative' },
            y: { field: 'mib', type: 'quantitative' },
            shape: { value: 'cross' },
          },
        },
        ...limitLayers(),
        noteLayer(layout, height),
      ],
    },
    ...(layout.columns === 1 ? { resolve: { axis: { x: 'independent' } } } : {}),
  } as TopLevelSpec;
}

export function memoryTimelineSpec(results: Results): TopLevelSpec {
  const names = chartVariants(results);
  const layout = layoutFor(names.length);
  const panels = panelLabels(results, names, layout, repetitionsOutcome(results));
  const rows: object[] = [];
  for (const run of results.runs) {
    const panel = panels.get(run.variant);
    if (panel === undefined) continue;
    splitAtGaps(run.memory.samples).forEach((segment, index) => {
      for (const [ms, bytes] of downsample(segment)) {
        rows.push({ kind: 'memory', panel, variant: colorGroup(results, run.variant), id: run.id, segment: `${run.id}#${index}`, s: ms / 1000, mib: bytes / MiB });
      }
    });
  }
  const notes = names
    .filter((name) => !results.runs.some((run) => run.variant === name && run.memory.samples.length > 0))
    .map((name) => ({ kind: 'note', panel: panels.get(name), label: 'no memory samples' }));
  const height = layout.columns === 1 ? 190 : 130;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: CHART_TITLES.memoryTimeline,
      subtitle: [
        `One line per repetition; memory.current sampled at ~${results.runs[0]?.memory.targetHz ?? 20} Hz.`,
        'A line ends when sampling stopped (a kill ends it abruptly).',
      ],
    },
    config: CONFIG,
    data: { values: [...rows, ...notes, ...ruleRows(results, panels)] },
    ...facetFor(panels, layout),
    spec: {
      width: layout.width,
      height,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'memory'" }],
          mark: { type: 'line', strokeWidth: 1.6, opacity: 0.85, interpolate: 'linear' },
          encoding: {
            x: { field: 's', type: 'quantitative', title: 'time since sampling started (s)', axis: { tickCount: layout.columns === 1 ? 10 : 5 } },
            y: { field: 'mib', type: 'quantitative', title: 'container memory (MiB)', scale: yScale(results, names, maxMib(rows)) },
            color: variantColor(results, names),
            detail: { field: 'segment' },
            description: { field: 'id' },
          },
        },
        ...limitLayers(),
        noteLayer(layout, height),
      ],
    },
    ...(layout.columns === 1 ? { resolve: { axis: { x: 'independent' } } } : {}),
  } as TopLevelSpec;
}

/** Horizontal bars, one row per variant: long swept names and many variants stay readable. */
export function survivalSpec(results: Results): TopLevelSpec {
  const names = chartVariants(results);
  const rows = names.flatMap((name) => {
    const v = summaryOf(results, name);
    if (!v) return [];
    const rate = v.survival.rate === null ? '' : ` (${Math.round(v.survival.rate * 100)}%)`;
    return [{
      variant: colorGroup(results, name),
      // Two-line axis label: the name, then the count.
      label: `${name}\n${v.survivedRepetitions}/${v.repetitions} survived${rate}`,
      rate: v.survival.rate,
      low: v.survival.low,
      high: v.survival.high,
    }];
  });
  const y = {
    field: 'label',
    type: 'nominal',
    title: null,
    sort: rows.map((r) => r.label),
    axis: { labelExpr: "split(datum.label, '\\n')", labelLineHeight: 15, labelOffset: -7, labelPadding: 8, labelFontSize: 12 },
  };
  const x = (field: string) => ({ field, type: 'quantitative', title: 'repetitions survived (%)', axis: { format: '.0%', tickCount: 5 }, scale: { domain: [0, 1] } });
  const color = variantColor(results, names, { symbolType: 'square' });
  const labelWidth = Math.max(80, ...rows.flatMap((r) => r.label.split('\n').map((line) => textWidth({ fontSize: 12 }, line))));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: CHART_TITLES.survival,
      subtitle: ['Repetitions with every request answered and no OOM kill;', 'error bars: 95% Wilson interval'],
    },
    config: CONFIG,
    width: Math.max(260, PANEL_WIDTH + 50 - labelWidth),
    height: { step: 40 },
    data: { values: rows },
    layer: [
      { mark: { type: 'bar', height: { band: 0.55 }, opacity: 0.85 }, encoding: { y, x: x('rate'), color } },
      // A thick tick at the rate keeps a 0% variant visible in its colour.
      { mark: { type: 'tick', thickness: 4, height: { band: 0.55 } }, encoding: { y, x: x('rate'), color } },
      {
        mark: { type: 'errorbar', ticks: { size: 16 }, thickness: 2, color: '#222' },
        encoding: { y, x: x('low'), x2: { field: 'high' } },
      },
    ],
  } as TopLevelSpec;
}

export const renderHeapPerCycleSvg = (results: Results) => renderSvg(heapPerCycleSpec(results));
export const renderMemoryTimelineSvg = (results: Results) => renderSvg(memoryTimelineSpec(results));
export const renderSurvivalSvg = (results: Results) => renderSvg(survivalSpec(results));
export interface RenderedChart {
  name: string;
  title: string;
  svg: string;
}

/** The report's charts in reading order; the frontier chart only for a run with a frontier search. */
export async function renderAllCharts(results: Results): Promise<RenderedChart[]> {
  const charts: RenderedChart[] = [];
  const frontier = await renderFrontierSvg(results);
  if (frontier !== null) charts.push({ name: 'frontier.svg', title: results.frontier?.some((f) => f.over === 'memoryLimit') ? CHART_TITLES.sizing : CHART_TITLES.frontier, svg: frontier });
  const ratio = ratioSweepSpec(results);
  if (ratio) charts.push({ name: 'gomemlimit-ratio.svg', title: SPIRAL_TITLES.ratio, svg: await renderSvg(ratio) });
  const leak = leakTimelineSpec(results);
  if (leak) charts.push({ name: 'leak-timeline.svg', title: SPIRAL_TITLES.leak, svg: await renderSvg(leak) });
  const releases = goReleaseSpec(results);
  if (releases) charts.push({ name: 'go-releases.svg', title: GO_RELEASE_TITLE, svg: await renderSvg(releases) });
  charts.push(
    { name: 'heap-per-cycle.svg', title: CHART_TITLES.heapPerCycle, svg: await renderHeapPerCycleSvg(results) },
    { name: 'memory-timeline.svg', title: CHART_TITLES.memoryTimeline, svg: await renderMemoryTimelineSvg(results) },
    { name: 'survival.svg', title: CHART_TITLES.survival, svg: await renderSurvivalSvg(results) },
  );
  const pressure = pressureSpec(results);
  if (pressure) charts.push({ name: 'pressure.svg', title: PRESSURE_TITLE, svg: await renderSvg(pressure) });
  return charts;
}
