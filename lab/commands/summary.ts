import path from 'node:path';
import { formatBytes, formatRate } from '../analyse/stats.js';
import type { Outcome, Results, RunRecord } from '../model/results.js';
import { goLine } from '../report/go-line.js';
import { buildReportModel, stoppedLine } from '../report/markdown.js';
import { whyOf } from '../analyse/why.js';

/** Deaths and faults listed one per line up to this many; the report has them all. */
const SHOWN = 8;
const ORDER: Outcome[] = ['survived', 'slowed', 'oom-killed', 'failed', 'harness-fault'];

/** "survived 3, oom-killed 2": the outcomes that occurred, in a fixed order. */
function outcomeCounts(runs: RunRecord[]): string {
  return ORDER.map((outcome) => [outcome, runs.filter((run) => run.outcome === outcome).length] as const)
    .filter(([, count]) => count > 0)
    .map(([outcome, count]) => `${outcome} ${count}`)
    .join(', ');
}

/** Every death with its cause, and for an OOM kill its class and why line. */
function deathLines(runs: RunRecord[]): string[] {
  const deaths = runs.filter((run) => run.outcome === 'oom-killed' || run.outcome === 'failed');
  const lines = deaths.slice(0, SHOWN).map((run) => {
    const why = whyOf(run);
    return why ? `    ✗ ${run.id} [${why.kind}]: ${why.line}` : `    ✗ ${run.id} failed: ${run.cause}`;
  });
  if (deaths.length > SHOWN) lines.push(`    … ${deaths.length - SHOWN} more deaths in report.md`);
  return lines.length ? ['  deaths:', ...lines] : [];
}

/** The few lines a run prints on stdout, for a terminal or a pipe. */
export function summaryText(results: Results, dir: string): string {
  const lines = [`${results.scenario} on ${results.runtime}${results.complete ? '' : ` (INCOMPLETE: ${results.incompleteReason})`}`];
  const go = goLine(results);
  if (go) lines.push(`  ${go}`);
  const stopped = stoppedLine(results);
  if (stopped) lines.push(`  ${stopped}`);
  for (const variant of results.variants) {
    const peak = variant.peakMemoryBytes === null ? 'n/a' : formatBytes(variant.peakMemoryBytes);
    lines.push(
      `  ${variant.name.padEnd(14)} survived ${formatRate(variant.survivedRepetitions, variant.repetitions)}; ` +
        `OOM kills ${variant.oomKills}, restarts ${variant.restarts}, peak ${peak}, GC cycles ${variant.gcCycles}`,
    );
    const outcomes = outcomeCounts(results.runs.filter((run) => run.variant === variant.name));
    if (outcomes) lines.push(`  ${''.padEnd(14)} ${outcomes}`);
  }
  if (results.runs.length) lines.push(`  verdict: ${buildReportModel(results).verdict}`);
  lines.push(...deathLines(results.runs));
  const faults = results.runs.filter((run) => run.outcome === 'harness-fault');
  if (results.retried.length || faults.length) {
    lines.push(`  harness faults (the lab's, not counted): ${results.retried.length} tried again, ${faults.length} left`);
    for (const run of faults.slice(0, SHOWN)) lines.push(`    ⚠ ${run.id}: ${run.cause}`);
  }
  lines.push(`  report: ${path.join(path.relative(process.cwd(), dir) || '.', 'report.md')} (also report.html, results.json, charts/, logs/)`);
  return lines.join('\n');
}
