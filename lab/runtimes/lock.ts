import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { processAlive } from '../process.js';

export interface Lock {
  release(): Promise<void>;
}

/** An exclusive pid lock file: a second run refuses cleanly; a crashed run's stale lock is taken over. */
export async function acquireLock(file: string, what: string): Promise<Lock> {
  await mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { release: () => rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (holder && processAlive(holder)) throw new UsageError(`another lab run (pid ${holder}) is using ${what}; wait for it or stop it`);
      await rm(file, { force: true });
    }
  }
  throw new UsageError(`cannot lock ${what} (${file})`);
}
