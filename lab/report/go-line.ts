// The Go that built the sample, said first: survival near the limit changes with the release (the README's Go 1.27 section).
import type { Results, VariantSummary } from '../model/results.js';
import type { SampleGo } from '../model/go-choice.js';

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
