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

/** The vegeta attacks a lab process is running (its children), as pids. */
export async function vegetaAttacksOf(pid: number | undefined): Promise<number[]> {
  const { stdout } = await execa('ps', ['-eo', 'pid=,ppid=,args='], { reject: false });
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, binary, verb]) => Number(ppid) === pid && /vegeta/.test(binary ?? '') && verb === 'attack')
    .map(([child]) => Number(child));
}

/**
 * The release the seed's claims were measured on: tests that assert them build the sample with it, whatever the
 * lab's pin (Go 1.27's encoding/json halves what GOMEMLIMIT saves; README, "Go 1.27").
 */
export const SEED_GO = '1.26.8';
