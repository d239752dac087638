import path from 'node:path';
import { summaryText } from './summary.js';

/** Re-renders a run folder's reports from its results.json. */
export async function reportCommand(dir: string): Promise<void> {
  const { readResults, writeReports } = await import('../report/write.js');
  const results = await readResults(dir);
  await writeReports(dir, results);
  process.stdout.write(`${summaryText(results, dir)}\n`);
}

/** A before/after table of two run folders. */
export async function compareCommand(before: string, after: string): Promise<void> {
  const { readResults } = await import('../report/write.js');
  const { renderComparison } = await import('../report/compare.js');
  process.stdout.write(renderComparison(await readResults(before), await readResults(after), [path.basename(before), path.basename(after)]));
}
