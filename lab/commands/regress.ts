import { checkOutDir } from '../outdir.js';
import { consoleProgress } from '../progress.js';
import type { RegressOptions } from '../regress/run.js';
import { abortOnSignals } from './signals.js';

export async function regressCommand(options: RegressOptions & { quiet?: boolean; plan?: boolean }): Promise<void> {
  if (options.plan) {
    const { regressPlanText } = await import('../regress/run.js');
    process.stdout.write(`${await regressPlanText(options)}\n`);
    return;
  }
  await checkOutDir(options.out);
  const { regressReport, runRegress } = await import('../regress/run.js');
  const outcome = await runRegress(options, consoleProgress(options.quiet), abortOnSignals());
  process.stdout.write(`${regressReport(outcome)}\n`);
  if (!outcome.summary.passed || outcome.summary.notJudged) process.exitCode = 1;
}
