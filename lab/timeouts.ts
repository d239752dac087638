import { UsageError } from './errors.js';

/**
 * LAB_TIMEOUT_SCALE stretches the lab's Kubernetes waits (kubeadm's control-plane check, kind's node wait,
 * rollouts) on slow hosts: software emulation, a loaded CI runner. 1 (the default) keeps them as they are.
 */
export function timeoutScale(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LAB_TIMEOUT_SCALE;
  if (raw === undefined || raw.trim() === '') return 1;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 1 || value > 100) throw new UsageError(`LAB_TIMEOUT_SCALE=${raw}: use a number from 1 to 100`);
  return value;
}

/** A wait of `seconds` on a normal host, as a Go/kubectl duration ("180s") on this one. */
export function scaledDuration(seconds: number, env: NodeJS.ProcessEnv = process.env): string {
  return `${Math.round(seconds * timeoutScale(env))}s`;
}
