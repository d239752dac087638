import path from 'node:path';
import { formatBytes, formatRate } from '../analyse/stats.js';
import type { Results } from '../model/results.js';
import { goLine } from '../report/go-line.js';
import { stoppedLine } from '../report/markdown.js';

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
  }
  lines.push(`  report: ${path.join(path.relative(process.cwd(), dir) || '.', 'report.md')} (also report.html, results.json, charts/, logs/)`);
  return lines.join('\n');
}
