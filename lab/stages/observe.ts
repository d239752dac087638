import { setTimeout as sleep } from 'node:timers/promises';
import type { RunSpec } from '../plan.js';
import type { Instance, InstanceStatus } from '../runtimes/runtime.js';
import type { RequestResult } from '../tools/vegeta.js';

/**
 * Waits until the instance's state explains the requests: a fresh instance whose request failed should
 * have terminated, and every failure of a long-lived one should have a recorded termination.
 */
export async function settledStatus(instance: Instance, run: RunSpec, requests: RequestResult[], timeoutMs = 10_000): Promise<InstanceStatus> {
  const failures = requests.filter((request) => request.errorKind !== null).length;
  const deadline = Date.now() + timeoutMs;
  let status = await instance.status();
  while (Date.now() < deadline) {
    const explained = run.lifecycle === 'fresh' ? failures === 0 || !status.running : status.terminations.length >= Math.min(failures, 1);
    if (explained) break;
    await sleep(100);
    status = await instance.status();
  }
  return status;
}
