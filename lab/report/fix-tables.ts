// Tables for the fix's own failure modes: GC and CPU per variant, and what a resize left the Go runtime believing.
import { SLOWED } from '../analyse/cost.js';
import { formatBytes, formatRate, median } from '../analyse/stats.js';
import type { Results, VariantSummary } from '../model/results.js';
import { DASH, orDash, seconds } from './format.js';

export interface ExtraTable {
  header: string[];
  rows: string[][];
  note: string;
}

const percentOf = (share: number) => `${Math.round(share * 100)}%`;

/** Median heap bytes a finished request of the variant allocated; null where the sample did not report it. */
function allocatedMedian(results: Results, variant: string): number | null {
  const values = results.runs
    .filter((run) => run.variant === variant)
    .flatMap((run) => run.processes.flatMap((p) => p.requestMetrics.map((request) => request.allocatedBytes)))
    .filter((bytes): bytes is number => bytes !== null);
  return median(values);
}

export function gcCpuTable(results: Results, ranked: VariantSummary[]): ExtraTable | null {
  const measured = ranked.some((v) => v.gcCpuShareMedian !== null || v.throttledShareMedian !== null);
  if (!measured) return null;
  const procs = (v: VariantSummary) => v.env.GOMAXPROCS ?? 'Go default';
  return {
    header: ['Variant', 'CPU limit / GOMAXPROCS', 'GC share of CPU', 'Allocated per request', 'Slowed', 'Throttled periods', 'Latency p50 / p95'],
    rows: ranked.map((v) => [
      v.name,
      `${v.cpuLimitMillis ?? results.limits.cpuLimitMillis}m / ${procs(v)}`,
      orDash(v.gcCpuShareMedian, percentOf),
      orDash(allocatedMedian(results, v.name), formatBytes),
      v.repetitions ? formatRate(v.slowedRepetitions, v.repetitions) : DASH,
      orDash(v.throttledShareMedian, percentOf),
      v.latencyMs.p50 === null && v.latencyMs.p95 === null ? DASH : `${orDash(v.latencyMs.p50, seconds)} / ${orDash(v.latencyMs.p95, seconds)}`,
    ]),
    note: `GC share: the GC's part of the CPU the Go process used, per request (runtime/metrics), highest request of each repetition, median over repetitions. Slowed: survived, but at a cost: p50 over ${SLOWED.latency}× the cheapest survivor's, GC cycles over ${SLOWED.gcCycles}×, at least ${percentOf(SLOWED.gcShare)} of its CPU in GC, or the GC CPU limiter on; it counts as survived above. Allocated: what a finished request allocated on the heap, garbage included (/gc/heap/allocs:bytes), median; a killed request never reports it. Throttled periods: the share of CFS periods in which the quota ran out (cpu.stat), median over repetitions.`,
  };
}

/** The distinct values, most common first: "400 MiB" or "400 MiB ×4, none ×1". */
function tally(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  return sorted.length === 0 ? DASH : sorted.length === 1 ? sorted[0]![0] : sorted.map(([value, count]) => `${value} ×${count}`).join(', ');
}

export function resizeTable(results: Results, ranked: VariantSummary[]): ExtraTable | null {
  if (!results.runs.some((run) => run.resize)) return null;
  const rows = ranked.filter((v) => v.resizeToBytes !== undefined).map((v) => {
    const runs = results.runs.filter((run) => run.variant === v.name);
    const applied = runs.filter((run) => run.resize?.applied).length;
    const refusals = runs.filter((run) => run.resize && !run.resize.applied).map((run) => run.resize!.detail);
    const limit = (bytes: number | null) => (bytes === null ? 'none' : formatBytes(bytes));
    // A request killed before its metrics line leaves the limits Go reported at start and the resize applied.
    const limitsAtRequest = runs.filter((run) => run.resize?.applied).map((run) => {
      const request = run.processes.flatMap((p) => p.requestMetrics)[0];
      if (request) return { go: limit(request.goMemoryLimitBytes), cgroup: limit(request.cgroupMemoryLimitBytes) };
      return { go: `${limit(run.processes[0]?.goMemoryLimitBytes ?? null)} (at start)`, cgroup: `${formatBytes(run.resize!.toBytes)} (resized)` };
    });
    return [
      v.name,
      `${formatBytes(v.memoryLimitBytes)} → ${formatBytes(v.resizeToBytes!)}: applied ${applied}/${runs.length}${refusals.length ? ` (${tally(refusals)})` : ''}`,
      tally(limitsAtRequest.map((limits) => limits.go)),
      tally(limitsAtRequest.map((limits) => limits.cgroup)),
      formatRate(v.survivedRepetitions, v.repetitions),
    ];
  });
  return {
    header: ['Variant', 'Resize', 'Go limit at the request', 'cgroup limit at the request', 'Survived'],
    rows,
    note: 'Each repetition starts at the first limit, is resized in place (no restart), then gets its request. The Go limit is what debug.SetMemoryLimit(-1) reported at the end of the first request; the cgroup limit is what the sample read from its own cgroup then. A request killed before it could say shows the Go limit reported at start and the limit the resize applied. A refused resize is reported as refused, and its repetition sends no request.',
  };
}
