import { mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './errors.js';
import { RESULTS_DIR } from './paths.js';

export function defaultOutDir(scenario: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  return path.join(RESULTS_DIR, `${stamp}-${scenario}`);
}

/** Fails before anything starts if the folder already holds files: earlier results are never overwritten. */
export async function checkOutDirFree(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new UsageError(`cannot use --out ${dir}: ${error.code ?? error.message}`);
  });
  if (entries.length > 0) throw new UsageError(`--out ${dir} already holds files; pick a new folder (earlier results are never overwritten)`);
}

/**
 * Fails at once if the folder could never be created (under /proc, on a read-only file system, below a file):
 * a probe folder is made and removed in the nearest ancestor that exists, so nothing is left behind.
 */
export async function checkOutDirCreatable(dir: string): Promise<void> {
  let ancestor = path.dirname(dir);
  while (!(await stat(ancestor).then(() => true, () => false))) ancestor = path.dirname(ancestor);
  const probe = path.join(ancestor, `.gomemlimit-lab-probe-${process.pid}`);
  try {
    await mkdir(probe);
    await rmdir(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`cannot create --out ${dir}: ${ancestor} does not take new folders (${code})`);
  }
}

/** Both checks on a folder the user named with --out (nothing to check for the default). */
export async function checkOutDir(out: string | undefined): Promise<void> {
  if (!out) return;
  await checkOutDirFree(path.resolve(out));
  await checkOutDirCreatable(path.resolve(out));
}

/** Creates the run folder; a name taken in the meantime (two runs in one second) gets a numeric suffix. */
export async function createOutDir(dir: string, explicit: boolean): Promise<string> {
  await mkdir(path.dirname(dir), { recursive: true });
  for (let attempt = 1; attempt < 100; attempt++) {
    const candidate = attempt === 1 ? dir : `${dir}-${attempt}`;
    try {
      await mkdir(candidate);
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (explicit) {
        await checkOutDirFree(candidate);
        return candidate;
      }
    }
  }
  throw new UsageError(`cannot create a new results folder next to ${dir}`);
}
