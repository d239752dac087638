// The OOM-frontier chart: survival against body size per variant, with each probe's Wilson interval
// and the bracket the bisection ended in.
import type { TopLevelSpec } from 'vega-lite';
import { CHART_TITLES, CONFIG, PANEL_WIDTH, TARGET_COLOR, colorScale, hasFrontier, legendColumns, mibLabel, renderSvg, textWidth, trimMiB } from './chart-kit.js';
import type { Frontier, Results } from '../model/results.js';
import { usageBasedMiB } from './sizing.js';

/** "57.25–61 MiB", "≥ 256 MiB (every probe met the target)"... : the frontier in words. */
export function frontierText(f: Frontier): string {
  switch (f.status) {
    case 'bracketed':
      if (f.over === 'memoryLimit') return `holds at ${trimMiB(f.frontierMiB ?? 0)}, misses at ${trimMiB(f.failedMiB ?? 0)} MiB`;
      return `${trimMiB(f.frontierMiB ?? 0)}–${trimMiB(f.failedMiB ?? 0)} MiB`;
    case 'above-range':
      return `≥ ${trimMiB(f.frontierMiB ?? 0)} MiB (every probe passed)`;
    case 'below-range':
      return `< ${trimMiB(f.failedMiB ?? Math.min(...f.probes.map((p) => p.valueMiB)))} MiB (no probe passed)`;
    case 'incomplete':
      return f.frontierMiB === null ? 'incomplete' : `≥ ${trimMiB(f.frontierMiB)} MiB (search incomplete)`;
  }
}

/** The middle of the widest stretch of [0, max] without a probe: where the target's label hides nothing. */
export function widestGapCentre(sizes: number[], max: number): number {
  const edges = [0, ...[...sizes].sort((a, b) => a - b), max];
  let best = { width: -1, centre: max / 2 };
  for (let i = 1; i < edges.length; i++) {
    const width = edges[i]! - edges[i - 1]!;
    if (width > best.width) best = { width, centre: (edges[i]! + edges[i - 1]!) / 2 };
  }
  return best.centre;
}

/**
 * Survival against response size per variant, from a frontier search: every probe with its 95%
 * Wilson interval (filled: met the target), the target survival, and below, each variant's
 * frontier as the bracket [largest passing, smallest failing size).
 */
export function frontierSpec(results: Results): TopLevelSpec | null {
  if (!hasFrontier(results)) return null;
  const frontiers = results.frontier;
  const sizing = frontiers.some((f) => f.over === 'memoryLimit');
  const axisTitle = sizing ? 'limits.memory (MiB)' : 'response body (MiB)';
  const colors = colorScale(frontiers.map((f) => f.variant));
  const probes = frontiers.flatMap((f) =>
    f.probes
      .filter((p) => p.survival.rate !== null)
      .map((p) => ({
        variant: f.variant,
        probe: p.variant,
        body: p.valueMiB,
        rate: p.survival.rate,
        low: p.survival.low,
        high: p.survival.high,
        outcome: p.passed ? 'met the target' : 'missed the target',
        text: `${p.variant}: ${p.survivedRepetitions}/${p.repetitions} survived`,
      })),
  );
  const sizes = frontiers.flatMap((f) => f.probes.map((p) => p.valueMiB));
  const xMax = Math.max(1, ...sizes) * 1.04;
  const xScale = { domain: [0, xMax], nice: false, zero: true };
  const xField = (field: string, title: string | null) => ({ field, type: 'quantitative', title, scale: xScale, axis: { tickCount: 8 } });
  const color = { field: 'variant', type: 'nominal', title: 'variant', scale: colors, legend: { columns: legendColumns(colors.domain) } };
  const targets = [...new Set(frontiers.map((f) => f.targetSurvival))];
  const limits = [...new Set(frontiers.map((f) => f.memoryLimitBytes))];
  const reps = [...new Set(frontiers.map((f) => f.repsPerProbe))];
  // One y scale and axis for every layer; a layer's own data must not inherit another's y field.
  const yRate = { type: 'quantitative', title: 'repetitions survived (%)', scale: { domain: [0, 1] }, axis: { format: '.0%', tickCount: 5 } } as const;
  // Variants probed at the same sizes sit a few pixels apart instead of on top of each other.
  const offset = (i: number) => (i - (frontiers.length - 1) / 2) * 6;
  const probeLayers = frontiers.flatMap((f, i) => {
    const only = { filter: `datum.variant === ${JSON.stringify(f.variant)}` };
    return [
      {
        transform: [only],
        mark: { type: 'errorbar', thickness: 1.5, rule: { xOffset: offset(i) }, ticks: { size: 7, xOffset: offset(i) } },
        encoding: { x: xField('body', null), y: { field: 'low', ...yRate }, y2: { field: 'high' }, color },
      },
      {
        transform: [only],
        mark: { type: 'point', filled: true, size: 60, strokeWidth: 2, xOffset: offset(i) },
        encoding: {
          x: xField('body', null),
          y: { field: 'rate', type: 'quantitative' },
          color,
          fillOpacity: {
            field: 'outcome',
            type: 'ordinal',
            sort: ['met the target', 'missed the target'],
            scale: { domain: ['met the target', 'missed the target'], range: [1, 0] },
            legend: null, // Vega-Lite draws no fillOpacity legend: the subtitle says it
          },
          stroke: color,
          description: { field: 'text' },
        },
      },
    ];
  });
  const frontierRules = frontiers.filter((f) => f.frontierMiB !== null).map((f) => ({ variant: f.variant, body: f.frontierMiB }));
  const targetRows = targets.map((t) => ({ target: t, label: `target ${Math.round(t * 100)}%` }));
  const main = {
    width: PANEL_WIDTH,
    height: 260,
    layer: [
      {
        data: { values: targetRows },
        mark: { type: 'rule', color: TARGET_COLOR, strokeWidth: 1.5, strokeDash: [6, 4] },
        encoding: { y: { field: 'target', ...yRate } },
      },
      {
        data: { values: targetRows },
        mark: { type: 'text', color: TARGET_COLOR, fontSize: 11, fontWeight: 'bold', align: 'center', baseline: 'bottom', dy: -3 },
        encoding: { x: { value: (PANEL_WIDTH * widestGapCentre(sizes, xMax)) / xMax }, y: { field: 'target', type: 'quantitative' }, text: { field: 'label' } },
      },
      {
        // Each variant's frontier, across the panel: the strip below gives its bracket.
        data: { values: frontierRules },
        mark: { type: 'rule', strokeWidth: 1.5, strokeDash: [2, 3], opacity: 0.8 },
        encoding: { x: xField('body', null), color },
      },
      {
        // The survival curve per variant, in body-size order (the probes ran in bisection order).
        data: { values: probes },
        mark: { type: 'line', strokeWidth: 1, opacity: 0.45 },
        encoding: { x: { ...xField('body', null), sort: null }, y: { field: 'rate', type: 'quantitative' }, color, order: { field: 'body', type: 'quantitative' } },
      },
      ...probeLayers.map((layer) => ({ data: { values: probes }, ...layer })),
    ],
  };
  const brackets = frontiers.map((f) => {
    const low = f.frontierMiB ?? 0;
    const high = f.failedMiB ?? (f.status === 'above-range' ? xMax : low);
    const text = frontierText(f);
    // Labels go right of the bracket, or left of it when it ends near the right edge.
    const right = textWidth({ fontSize: 12, fontWeight: 'bold' }, text) < (PANEL_WIDTH * (xMax - high)) / xMax - 12;
    const usage = usageBasedMiB(f);
    // A label right of everything drawn on its row: the bracket and the usage-based cross.
    const labelAt = Math.max(low, high, usage ?? 0);
    return { variant: f.variant, low, high, frontier: f.frontierMiB, failed: f.failedMiB, usage, labelAt, text, side: right || sizing ? 'right' : 'left' };
  });
  const y = { field: 'variant', type: 'nominal', title: null, sort: frontiers.map((f) => f.variant), axis: { labelPadding: 8, ticks: false, domain: false } };
  const strip = {
    width: PANEL_WIDTH,
    height: { step: 30 },
    data: { values: brackets },
    title: { text: sizing ? 'Sizing: the smallest limit that met the target, down to the largest that missed it; +: usage-based (peak + 15%)' : 'Frontier: largest size that met the target, up to the smallest that missed it', fontSize: 12, fontWeight: 'normal', color: '#333', anchor: 'start', offset: 6 },
    layer: [
      {
        mark: { type: 'rule', strokeWidth: 7, opacity: 0.55, strokeCap: 'butt' },
        encoding: { x: xField('low', axisTitle), x2: { field: 'high' }, y, color },
      },
      {
        transform: [{ filter: 'datum.frontier !== null' }],
        mark: { type: 'point', filled: true, size: 80, shape: 'diamond' },
        encoding: { x: { field: 'frontier', type: 'quantitative' }, y, color },
      },
      {
        transform: [{ filter: 'datum.failed !== null' }],
        mark: { type: 'tick', thickness: 2.5, size: 18 },
        encoding: { x: { field: 'failed', type: 'quantitative' }, y, color },
      },
      {
        transform: [{ filter: 'datum.usage !== null' }],
        mark: { type: 'point', shape: 'cross', size: 110, filled: true, opacity: 0.9 },
        encoding: { x: { field: 'usage', type: 'quantitative' }, y, color },
      },
      ...(['right', 'left'] as const).map((side) => ({
        transform: [{ filter: `datum.side === '${side}'` }],
        mark: { type: 'text', fontSize: 12, fontWeight: 'bold', align: side === 'right' ? 'left' : 'right', baseline: 'middle', dx: side === 'right' ? 10 : -10, color: '#222' },
        encoding: { x: { field: side === 'right' ? 'labelAt' : 'low', type: 'quantitative' }, y, text: { field: 'text' } },
      })),
    ],
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: sizing ? CHART_TITLES.sizing : CHART_TITLES.frontier,
      subtitle: [
        sizing ? `${reps.join('/')} repetitions per probed limit; bars: 95% Wilson interval;` : `${reps.join('/')} repetitions per response size${limits.length === 1 ? ` under a ${mibLabel(limits[0]!)} limit` : ''}; bars: 95% Wilson interval;`,
        `filled: the probe met the target (dashed line: ${targets.map((t) => `${Math.round(t * 100)}%`).join(', ')} of repetitions survived),`,
        "open: it missed it; dotted lines: each variant's frontier.",
      ],
    },
    config: { ...CONFIG, concat: { spacing: 18 } },
    vconcat: [main, strip],
    resolve: { scale: { x: 'shared', color: 'shared' } },
  } as TopLevelSpec;
}

export async function renderFrontierSvg(results: Results): Promise<string | null> {
  const spec = frontierSpec(results);
  return spec ? renderSvg(spec) : null;
}
