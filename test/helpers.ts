import path from 'node:path';
import { execa, type Options } from 'execa';
import { REPO_ROOT } from '../lab/paths.js';

const CLI = path.join(REPO_ROOT, 'lab', 'cli.ts');

/**
 * The lab's CLI as `npm run lab -- ARGS` runs it, but in one node process (tsx as a loader rather than its
 * launcher), so the child's pid is the lab's own: the pid its containers are labelled with, and the one to signal.
 */
export function spawnLab<O extends Options>(args: string[], options: O) {
  return execa(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT, reject: false, ...options });
}

/** Containers left by one lab process (they carry its pid as a label). */
export async function containersOf(pid: number | undefined): Promise<string> {
  const { stdout } = await execa('docker', ['ps', '-aq', '--filter', `label=gomemlimit-lab.pid=${pid}`], { reject: false });
  return stdout.trim();
}
