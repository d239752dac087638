import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** Polls `act` every 100 ms until it returns true (then true) or the lab exits or `seconds` pass (then false). */
export async function whileRunning(subprocess: { exitCode: number | null | undefined }, act: () => Promise<boolean>, seconds = 120): Promise<boolean> {
  for (const deadline = performance.now() + seconds * 1000; performance.now() < deadline; await sleep(100)) {
    if (subprocess.exitCode !== null && subprocess.exitCode !== undefined) return false;
    if (await act()) return true;
  }
  return false;
}

/**
 * An act for whileRunning that waits for a request in flight (a vegeta attack of the lab process's) and runs a
 * second into it, inside the marshal, which takes seconds; it gets the attacks' pids and may decline with false.
 */
export const inRequest = (pid: number | undefined, act: (attacks: number[]) => Promise<boolean | void>) => async (): Promise<boolean> => {
  const attacks = await vegetaAttacksOf(pid);
  if (attacks.length === 0) return false;
  await sleep(1000);
  return (await act(attacks)) !== false;
};
