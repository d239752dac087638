import { execa } from 'execa';
import { UsageError } from '../errors.js';
import type { Progress } from '../progress.js';

export async function imageExists(image: string): Promise<boolean> {
  const result = await execa('docker', ['image', 'inspect', image], { reject: false });
  return result.exitCode === 0;
}

/** A pull that shows no progress in this long is given up: the registry is out of reach. */
const PULL_SILENCE_MS = 10_000;

/** `docker pull`, given up when the engine prints nothing for PULL_SILENCE_MS (a registry that never answers). */
export async function pullImage(image: string, progress: Progress): Promise<string | null> {
  progress.step(`pulling ${image} (given up after ${PULL_SILENCE_MS / 1000} s without progress)`);
  const started = Date.now();
  const pull = execa('docker', ['pull', image], { reject: false, all: true });
  let silent: NodeJS.Timeout | undefined;
  let timedOut = false;
  const arm = () => {
    clearTimeout(silent);
    silent = setTimeout(() => {
      timedOut = true;
      pull.kill();
    }, PULL_SILENCE_MS);
  };
  arm();
  pull.all?.on('data', arm);
  const result = await pull;
  clearTimeout(silent);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.exitCode === 0) return null;
  if (timedOut) return `no progress from the registry in ${PULL_SILENCE_MS / 1000} s`;
  const last = String(result.all ?? '').trim().split('\n').pop() || `exit ${result.exitCode}`;
  return `${last.replace(/^Error response from daemon: /, '')} (after ${seconds} s)`;
}


/** A service's image in the local store, pulled if it is not there yet; a UsageError before anything starts if neither. */
export async function requireLocalImage(image: string, progress: Progress): Promise<void> {
  if (await imageExists(image)) return;
  const failure = await pullImage(image, progress);
  if (failure !== null) throw new UsageError(`image ${image} is not in the local image store and cannot be pulled (${failure}): build or load it first (docker images lists what is there)`);
}
