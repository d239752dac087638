import { setTimeout as sleep } from 'node:timers/promises';
import { timeoutScale } from '../timeouts.js';
import type { Instance, InstanceStatus } from '../runtimes/runtime.js';
import type { RequestResult } from '../model/results.js';

export interface SettleTimeouts {
  /** How long a failed request may wait for its termination to be on record. */
  terminationMs: number;
  /** How long a recorded kill may wait for the orchestrator's restart (CrashLoopBackOff: 10 s, 20 s, 40 s...). */
  restartMs: number;
}

/** Stretched by LAB_TIMEOUT_SCALE: under emulation the kubelet reported a kill after the unscaled waits had ended. */
const defaultTimeouts = (): SettleTimeouts => ({ terminationMs: 10_000 * timeoutScale(), restartMs: 45_000 * timeoutScale() });

/**
 * Waits until the instance's state explains the requests: when a request failed, a termination after it started
 * (engine event, inspect, or the kubelet's lastState) should be on record before the repetition is judged.
 * A failure with no termination behind it (a timeout, a refused connection) waits out the first timeout.
 * Where the process is restarted, the restart is waited for too, so the restart count matches the kills.
 */
export async function settledStatus(instance: Instance, requests: RequestResult[], timeouts = defaultTimeouts()): Promise<InstanceStatus> {
  const lastFailure = requests.filter((request) => request.errorKind !== null).at(-1);
  const started = Date.now();
  let status = await instance.status();
  for (;;) {
    const explained = !lastFailure || status.terminations.some((termination) => Date.parse(termination.at) >= Date.parse(lastFailure.startedAt));
    const counted = !instance.restartsAfterExit || status.restarts >= status.terminations.length;
    const waited = Date.now() - started;
    if ((explained && counted) || waited > timeouts.restartMs || (!explained && waited > timeouts.terminationMs)) return status;
    await sleep(200);
    status = await instance.status();
  }
}

const METRICS_LINE = '"msg":"request metrics"';

/**
 * The instance's logs once every answered request's metrics line is in them: the sample writes that line after the
 * body has gone out, so a log read as the client finishes can miss it. A process killed first never writes it,
 * hence the bounded wait.
 */
export async function logsAfterRequests(instance: Instance, requests: RequestResult[], timeoutMs = 3_000 * timeoutScale()): Promise<string> {
  const answered = requests.filter((request) => request.errorKind === null).length;
  const started = Date.now();
  for (;;) {
    const logs = await instance.logs();
    if (logs.split(METRICS_LINE).length - 1 >= answered || Date.now() - started > timeoutMs) return logs;
    await sleep(200);
  }
}
