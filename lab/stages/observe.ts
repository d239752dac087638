import { setTimeout as sleep } from 'node:timers/promises';
import type { Instance, InstanceStatus } from '../runtimes/runtime.js';
import type { RequestResult } from '../tools/vegeta.js';

/**
 * Waits until the instance's state explains the requests: when a request failed, a termination after it started
 * (engine event, inspect, or the kubelet's lastState) should be on record before the repetition is judged.
 * A failure with no termination behind it (a timeout, a refused connection) waits out the timeout.
 * Where the process is restarted, the restart is waited for too, so restartCount matches the kills.
 */
export async function settledStatus(instance: Instance, requests: RequestResult[], timeoutMs = 10_000): Promise<InstanceStatus> {
  const lastFailure = requests.filter((request) => request.errorKind !== null).at(-1);
  const deadline = Date.now() + timeoutMs;
  let status = await instance.status();
  while (Date.now() < deadline) {
    const explained = !lastFailure || status.terminations.some((termination) => Date.parse(termination.at) >= Date.parse(lastFailure.startedAt));
    // Where the orchestrator restarts the process, also wait for the restart to be counted, as a user would see it.
    const counted = !instance.restartsAfterExit || status.restarts >= status.terminations.length;
    if (explained && counted) break;
    await sleep(100);
    status = await instance.status();
  }
  return status;
}
