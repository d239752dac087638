import { checkOutDir } from '../outdir.js';
import type { LabOptions } from '../pipeline/context.js';
import { consoleProgress } from '../progress.js';
import { abortOnSignals } from './signals.js';
import { summaryText } from './summary.js';

export type RunOptions = LabOptions & { quiet?: boolean };

export async function runCommand(options: RunOptions): Promise<void> {
  await checkOutDir(options.out);
  // The pipeline (engines, charts) loads in a few seconds: imported only once the cheap checks passed.
  const { runLab } = await import('../pipeline/index.js');
  const { dir, results } = await runLab(options, consoleProgress(options.quiet), abortOnSignals());
  process.stdout.write(`${summaryText(results, dir)}\n`);
}
