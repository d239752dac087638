import { checkOutDir } from '../outdir.js';
import type { LabOptions } from '../pipeline/context.js';
import { silentProgress } from '../progress.js';

/** What a run would do, as the chosen runtime describes it (containers, or the manifests each repetition applies). */
export async function dryRunCommand(options: LabOptions): Promise<void> {
  await checkOutDir(options.out);
  const { prepareRun } = await import('../pipeline/index.js');
  const { plan, runtime } = await prepareRun(options, silentProgress);
  process.stdout.write(await runtime.describe(plan));
}
