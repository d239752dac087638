import path from 'node:path';
import { execa, type Options } from 'execa';
import { REPO_ROOT } from '../lab/paths.js';

const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(REPO_ROOT, 'lab', 'cli.ts');

/** The lab's CLI as a user runs it (`npm run lab -- ARGS`), as a real child process. */
export function spawnLab<O extends Options>(args: string[], options: O) {
  return execa(TSX, [CLI, ...args], { cwd: REPO_ROOT, reject: false, ...options });
}

/** Containers left by one lab process (they carry its pid as a label). */
export async function containersOf(pid: number | undefined): Promise<string> {
  const { stdout } = await execa('docker', ['ps', '-aq', '--filter', `label=gomemlimit-lab.pid=${pid}`], { reject: false });
  return stdout.trim();
}
