import { formatBytes, formatRate } from '../analyse/stats.js';
import { mdTable } from './markdown.js';
import { goReleases } from './go-line.js';
import type { Results, VariantSummary } from '../model/results.js';

const DASH = '—';

function percentChange(before: number | null, after: number | null): string {
  if (before === null || after === null || before === 0) return '';
  const change = ((after - before) / before) * 100;
  return ` (${change >= 0 ? '+' : ''}${change.toFixed(1)}%)`;
}

function side(variant: VariantSummary | undefined, pick: (v: VariantSummary) => string): string {
  return variant ? pick(variant) : DASH;
}

/** Said first when the two runs' samples were built with different Go releases: the change may be the release's. */
function goMismatch(before: Results, after: Results): string[] {
  const [a, b] = [goReleases(before), goReleases(after)];
  if (a.join() === b.join()) return [];
  const named = (releases: string[]) => releases.join(', ') || 'a Go not recorded (an older results.json)';
  return [`> **Different Go releases: before ${named(a)}, after ${named(b)}. Survival near the limit changes with the release (Go 1.27 against 1.26 in the README), so a difference below may be the release's, not your change's.**`, ''];
}

/** A before/after table of two runs, variant by variant (matched by name), for `lab compare DIR1 DIR2`. */
export function renderComparison(before: Results, after: Results, labels: [string, string]): string {
  const names = [...new Set([...before.variants, ...after.variants].map((variant) => variant.name))];
  const rows = names.map((name) => {
    const a = before.variants.find((variant) => variant.name === name);
    const b = after.variants.find((variant) => variant.name === name);
    const peak = (v: VariantSummary) => (v.peakMemoryMedianBytes === null ? DASH : formatBytes(v.peakMemoryMedianBytes));
    const p50 = (v: VariantSummary) => (v.latencyMs.p50 === null ? DASH : `${(v.latencyMs.p50 / 1000).toFixed(2)} s`);
    return [
      name,
      side(a, (v) => formatRate(v.survivedRepetitions, v.repetitions)),
      side(b, (v) => formatRate(v.survivedRepetitions, v.repetitions)),
      `${side(a, (v) => String(v.oomKills))} → ${side(b, (v) => String(v.oomKills))}`,
      `${side(a, peak)} → ${side(b, peak)}${percentChange(a?.peakMemoryMedianBytes ?? null, b?.peakMemoryMedianBytes ?? null)}`,
      `${side(a, (v) => String(v.gcCyclesMedian ?? DASH))} → ${side(b, (v) => String(v.gcCyclesMedian ?? DASH))}`,
      `${side(a, p50)} → ${side(b, p50)}${percentChange(a?.latencyMs.p50 ?? null, b?.latencyMs.p50 ?? null)}`,
    ];
  });
  const describe = (label: string, results: Results) =>
    `- **${label}**: ${results.scenario} on ${results.runtime}, ${results.startedAt}${results.complete ? '' : ' (incomplete)'}, Go ${goReleases(results).join(', ') || 'not recorded'}`;
  return [
    ...goMismatch(before, after),
    `# Comparison: ${labels[0]} → ${labels[1]}`,
    '',
    describe('before', before).replace('**before**', `**before** (${labels[0]})`),
    describe('after', after).replace('**after**', `**after** (${labels[1]})`),
    '',
    mdTable(['Variant', 'Survived before', 'Survived after', 'OOM kills', 'Peak memory (median)', 'GC cycles (median)', 'Latency p50'], rows),
    '',
  ].join('\n');
}
