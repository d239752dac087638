// The Go that built the sample, said first: survival near the limit changes with the release (the README's Go 1.27 section).
import type { Results, VariantSummary } from '../model/results.js';
import type { SampleGo } from '../model/go-choice.js';
import { fisherExact } from '../analyse/fisher.js';
import { formatBytes, formatRate } from '../analyse/stats.js';
import type { ExtraTable } from './fix-tables.js';

const nonNull = <T>(value: T | null): value is T => value !== null;

function describe(go: SampleGo): string {
  return `${go.version}${go.experiments.length ? ` GOEXPERIMENT=${go.experiments.join(',')}` : ''}`;
}

/** The release that built a variant's sample; in files from before it was recorded, a swept go axis still says. */
export function releaseOf(variant: VariantSummary): string | null {
  if (variant.go) return variant.go.version;
  const swept = variant.axes.go;
  return swept && swept !== 'local' ? `go${swept}` : null;
}

/** The releases that built a run's samples, e.g. ["go1.26.8", "go1.27.3"] (experiments aside). */
export function goReleases(results: Pick<Results, 'variants'>): string[] {
  return [...new Set(results.variants.map(releaseOf).filter((v): v is string => v !== null))].sort();
}

/** One line: which Go built the sample and why that one, and which variants could not be built on theirs. */
export function goLine(results: Pick<Results, 'variants' | 'notApplicable'>): string | null {
  const built = results.variants.map((variant) => variant.go).filter(nonNull);
  const skipped = results.notApplicable.map((entry) => `${entry.variant} (${entry.reason})`);
  if (built.length === 0 && skipped.length === 0) return null;
  const byReason = new Map<string, Set<string>>();
  for (const go of built) byReason.set(go.reason, (byReason.get(go.reason) ?? new Set()).add(describe(go)));
  const parts = [...byReason].map(([reason, versions]) => `${[...versions].sort().join(', ')}: ${reason}`);
  const releases = goReleases(results);
  const mixed = releases.length > 1 ? ` Survival near the limit differs between Go releases: compare variants within one release.` : '';
  const notApplicable = skipped.length ? ` Not applicable on their Go release, so not run: ${skipped.join('; ')}.` : '';
  return `${built.length ? `Sample built with ${parts.join('; ')}.` : ''}${mixed}${notApplicable}`.trim();
}

/** A variant family (its base and experiments) across the releases it ran on, keyed by release. */
function familiesAcrossReleases(results: Pick<Results, 'variants'>): Map<string, Map<string, VariantSummary>> {
  const families = new Map<string, Map<string, VariantSummary>>();
  for (const variant of results.variants) {
    const release = releaseOf(variant);
    if (release === null || variant.repetitions === 0) continue;
    const experiments = variant.go?.experiments.length ? ` (GOEXPERIMENT=${variant.go.experiments.join(',')})` : '';
    const key = `${variant.base ?? variant.name}${experiments}`;
    families.set(key, (families.get(key) ?? new Map()).set(release, variant));
  }
  return families;
}

/**
 * Survival per variant on each Go release, and Fisher's exact p between the two releases: null unless some variant
 * ran on two. With more than two releases, p compares the oldest and the newest.
 */
export function goReleaseTable(results: Pick<Results, 'variants'>): ExtraTable | null {
  const releases = goReleases(results).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const spanning = [...familiesAcrossReleases(results)].filter(([, byRelease]) => byRelease.size > 1);
  if (releases.length < 2 || spanning.length === 0) return null;
  const [first, last] = [releases[0]!, releases.at(-1)!];
  const cell = (v: VariantSummary | undefined) => {
    if (!v) return '—';
    const peak = v.peakMemoryMedianBytes === null ? '' : `, ${formatBytes(v.peakMemoryMedianBytes)}`;
    return `${formatRate(v.survivedRepetitions, v.repetitions)}${peak}`;
  };
  const rows = spanning.map(([family, byRelease]) => {
    const [a, b] = [byRelease.get(first), byRelease.get(last)];
    const p = a && b ? fisherExact(a.survivedRepetitions, a.repetitions, b.survivedRepetitions, b.repetitions) : null;
    return [family, ...releases.map((release) => cell(byRelease.get(release))), p === null ? '—' : p < 0.0001 ? 'below 0.0001' : p.toPrecision(2)];
  });
  return {
    header: ['Variant', ...releases.map((release) => `${release}: survived, median peak`), `Fisher p (${first} vs ${last})`],
    rows,
    note: `The same variant built with each Go release. Fisher's exact test (two-sided) asks whether the two survival counts differ by more than chance allows; below 0.05 the release changed the outcome.`,
  };
}
