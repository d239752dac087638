// Parser for the lines Go prints with GODEBUG=gctrace=1 (runtime/mgc.go, gcMarkTermination).
// Heap figures are printed as integer MB (bytes >> 20), so they are already truncated by Go.

import type { GcCycle } from '../model/results.js';

// fmtNSAsMS prints either whole ms ("280") or up to three decimals ("0.061"); never exponents.
const N = String.raw`\d+(?:\.\d+)?`;
const I = String.raw`\d+`;

const GC_LINE = new RegExp(
  [
    // "gc" must start a word, so "2026-...Z gc 1", "[pod] gc 1" work but "xgc 1" does not.
    String.raw`\bgc (?<cycle>${I}) @(?<at>${N})s (?<pct>${I})%`,
    // Go 1.26 may insert an annotation such as " (checking for goroutine leaks)" before ":".
    String.raw`(?: \([^)]*\))?: `,
    // Wall clock: sweep termination + concurrent mark + mark termination.
    String.raw`(?<c1>${N})\+(?<c2>${N})\+(?<c3>${N}) ms clock, `,
    // CPU: sweep termination + assist/background/idle mark + mark termination.
    String.raw`(?<u1>${N})\+(?<u2>${N})\/(?<u3>${N})\/(?<u4>${N})\+(?<u5>${N}) ms cpu, `,
    // Heap at GC start -> at GC end -> live (marked), then the goal for this cycle.
    String.raw`(?<h0>${I})->(?<h1>${I})->(?<h2>${I}) MB, (?<goal>${I}) MB goal, `,
    // Stacks and globals: absent in older runtimes, so optional as a pair.
    String.raw`(?:(?<stacks>${I}) MB stacks, (?<globals>${I}) ?MB globals, )?`,
    // P count, optional "(forced)", and then the end of the line. Anchoring at the end
    // rejects lines cut off mid-write by SIGKILL and lines embedded in JSON strings.
    String.raw`(?<procs>${I}) P(?<forced> \(forced\))?\s*$`,
  ].join(''),
);

export function parseGcLine(line: string): GcCycle | null {
  const g = GC_LINE.exec(line)?.groups;
  if (!g) return null;
  const n = (k: string): number => Number(g[k]);
  const opt = (k: string): number | null => (g[k] === undefined ? null : Number(g[k]));
  return {
    cycle: n('cycle'),
    atSeconds: n('at'),
    cpuPercent: n('pct'),
    clockMs: { sweepTermination: n('c1'), concurrent: n('c2'), markTermination: n('c3') },
    cpuMs: {
      sweepTermination: n('u1'),
      assist: n('u2'),
      background: n('u3'),
      idle: n('u4'),
      markTermination: n('u5'),
    },
    heapStartMB: n('h0'),
    heapEndMB: n('h1'),
    liveMB: n('h2'),
    goalMB: n('goal'),
    stacksMB: opt('stacks'),
    globalsMB: opt('globals'),
    procs: n('procs'),
    forced: g.forced !== undefined,
  };
}

/** Parses every gctrace line in a log, skipping everything else (scav, pacer, app output). */
export function parseGcTrace(text: string): GcCycle[] {
  const out: GcCycle[] = [];
  for (const line of text.split(/\r?\n/)) {
    const c = parseGcLine(line);
    if (c) out.push(c);
  }
  return out;
}

export interface GcTraceSummary {
  cycles: number;
  lastHeapGoalMB: number | null;
  lastLiveMB: number | null;
  maxHeapStartMB: number | null;
  /** cpuPercent of the last cycle: Go's cumulative GC CPU share since start. */
  gcCpuPercent: number | null;
}

export function summariseGcTrace(cycles: GcCycle[]): GcTraceSummary {
  const last = cycles.at(-1);
  return {
    cycles: cycles.length,
    lastHeapGoalMB: last?.goalMB ?? null,
    lastLiveMB: last?.liveMB ?? null,
    // reduce, not Math.max(...spread): long runs can have more cycles than the arg limit.
    maxHeapStartMB: cycles.reduce<number | null>((m, c) => (m === null || c.heapStartMB > m ? c.heapStartMB : m), null),
    gcCpuPercent: last?.cpuPercent ?? null,
  };
}
