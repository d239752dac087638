// What every chart shares: sizes, colours, the Vega-Lite config, and headless SVG rendering with
// text measured as DejaVu Sans (no browser, no canvas).
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { Frontier, Results } from '../model/results.js';

export const MiB = 2 ** 20;
export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
export const PANEL_WIDTH = 560; // plus the y axis, about 640 px overall: fits a ~700 px blog column
export const GRID_PANEL_WIDTH = 282; // two of these side by side, with one y axis: about 690 px overall
export const GRID_COLUMNS = 2;
export const LIMIT_COLOR = '#d62728';
export const GOMEMLIMIT_COLOR = '#8c1c13';
export const TARGET_COLOR = '#555';
/** Fixed colours for the seed's variants so every chart and post agrees; others take the rest in order. */
export const KNOWN_VARIANT_COLORS: Record<string, string> = { baseline: '#f58518', gomemlimit: '#4c78a8' };
// No reds: red is the container limit's colour.
export const SPARE_COLORS = ['#54a24b', '#b279a2', '#72b7b2', '#9d755d', '#eeca3b', '#7f7f7f', '#17becf', '#bcbd22', '#393b79'];
export const CHART_TITLES = {
  heapPerCycle: 'Go heap per GC cycle vs the container limit',
  memoryTimeline: 'Container memory (cgroup) over time vs the limit',
  survival: 'Survival rate per variant',
  frontier: 'OOM frontier: the largest response each variant survives',
  sizing: 'Sizing: survival against limits.memory, the smallest limit that holds',
} as const;

export const HEADER_FONT_SIZE = 12;

// labelLimit 0 (never truncate): the SVG renderer uses its own copy of vega-scenegraph whose
// crude width estimate would cut labels short; layout uses our estimate (see textWidth), and
// long facet headers are wrapped here instead (wrapTokens).
export const CONFIG = {
  background: 'white',
  font: FONT,
  padding: 16,
  title: { fontSize: 17, subtitleFontSize: 12, subtitleColor: '#555', anchor: 'start', offset: 14 },
  axis: { labelFontSize: 12, labelLimit: 0, titleFontSize: 13, titleFontWeight: 'normal', titleColor: '#333', gridColor: '#e8e8e8' },
  legend: { labelFontSize: 12, labelLimit: 0, titleFontSize: 12, orient: 'bottom', direction: 'horizontal', columnPadding: 18, symbolStrokeWidth: 2 },
  header: {
    labelFontSize: HEADER_FONT_SIZE,
    labelFontWeight: 'bold',
    labelOrient: 'top',
    labelAnchor: 'start',
    labelAngle: 0,
    labelPadding: 6,
    labelLimit: 0,
    labelLineHeight: 15,
    // Panel labels carry their own line breaks (see panelLabels).
    labelExpr: "split(datum.label, '\\n')",
  },
  facet: { spacing: 22 },
  view: { stroke: '#ccc' },
} as const;

/** "400 MiB", or up to two decimals when the value is not a whole number of MiB. */
export function mibLabel(bytes: number): string {
  return `${trimMiB(bytes / MiB)} MiB`;
}

export const trimMiB = (mib: number) => String(Number(mib.toFixed(2)));

export const hasFrontier = (results: Results): results is Results & { frontier: Frontier[] } => (results.frontier?.length ?? 0) > 0;

export function colorScale(domain: string[]): { domain: string[]; range: string[] } {
  let spare = 0;
  const range = domain.map((name) => KNOWN_VARIANT_COLORS[name] ?? SPARE_COLORS[spare++ % SPARE_COLORS.length]!);
  return { domain, range };
}

/** Legend entries in as many columns as fit a blog column: long swept names wrap onto more rows. */
export function legendColumns(labels: string[], maxWidth = PANEL_WIDTH + 60): number {
  const entry = Math.max(0, ...labels.map((label) => textWidth({ fontSize: 12 }, label))) + 20 + CONFIG.legend.columnPadding;
  return Math.max(1, Math.min(labels.length, Math.floor(maxWidth / entry)));
}

// Without node-canvas Vega guesses every glyph is 0.8 em wide, which makes layouts (titles,
// legends) far too wide. Vega supports replacing textMetrics.width (vl-convert does the same);
// these are DejaVu Sans advance widths in em, the widest font in our font-family list.
export const GLYPH_EM: [RegExp, number][] = [
  [/[ilj.,:;'!|I]/, 0.3],
  [/[ ft()[\]\/-]/, 0.36],
  [/[r"]/, 0.42],
  [/[sz_–]/, 0.52],
  [/[mwMW%—…]/, 0.95],
  [/[a-z0-9$?]/, 0.62],
  [/[A-Z#=+<>~×&@]/, 0.74],
];

export interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
  limit?: number;
}

export function textWidth(item: TextItem, text?: unknown): number {
  const size = item.fontSize ?? 11;
  const bold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600;
  let em = 0;
  for (const ch of String(text ?? '').trim()) em += GLYPH_EM.find(([re]) => re.test(ch))?.[1] ?? 0.62;
  const width = em * size * (bold ? 1.1 : 1);
  // Vega truncates text longer than `limit` with an ellipsis; the drawn text is then at most that wide.
  return item.limit && item.limit > 0 ? Math.min(width, item.limit) : width;
}

let metricsInstalled = false;
export function installTextMetrics(): void {
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
