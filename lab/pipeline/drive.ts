import { setTimeout as sleep } from 'node:timers/promises';
import type { RunSpec } from '../model/plan.js';
import { timeoutScale } from '../timeouts.js';
import { stripTimestamp } from '../analyse/processes.js';
import { notReadyError } from '../runtimes/readiness.js';
import type { Instance } from '../runtimes/runtime.js';
import { attack, type AttackTarget } from '../tools/vegeta.js';
import type { RequestResult } from '../model/results.js';

/** The workload's targets against this instance, on loopback. */
export function attackTargets(instance: Instance, run: RunSpec): AttackTarget[] {
  return run.workload.targets.map((target) => ({ method: target.method, url: new URL(target.path, instance.baseUrl).toString(), headers: target.headers, ...(target.bodyFile ? { bodyFile: target.bodyFile } : {}) }));
}

/** The workload's readiness timeout (the sample's a minute), stretched by LAB_TIMEOUT_SCALE (a NodePort took over a minute to route in the TCG guest). */
const readyTimeoutMs = (run: RunSpec) => run.workload.readiness.timeoutSeconds * 1000 * timeoutScale();

/** Where readiness is asked over HTTP: the workload's path (2xx), or any answer on / when it names none. */
export function readinessUrl(instance: Instance, run: RunSpec): URL {
  return new URL(run.workload.readiness.path ?? '/', instance.baseUrl);
}

/** Waits until the workload answers its readiness check again (after a restart), or gives up after the timeout. */
export async function waitHealthy(instance: Instance, run: RunSpec, signal: AbortSignal, timeoutMs = readyTimeoutMs(run)): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const anyStatus = run.workload.readiness.path === null;
  while (Date.now() < deadline && !signal.aborted) {
    const ok = await fetch(readinessUrl(instance, run), { signal: AbortSignal.any([signal, AbortSignal.timeout(1000)]) }).then(
      (response) => anyStatus || response.ok,
      () => false,
    );
    if (ok) return true;
    await sleep(100);
  }
  return false;
}

/**
 * Drives the run's requests against the instance on loopback. A fresh instance gets them in one attack;
 * a long-lived one gets them one at a time, each after the (possibly restarted) instance is healthy again
 * and the scenario's interval has passed, as clients retrying a restarting Deployment would.
 */
export async function drive(vegeta: string, instance: Instance, run: RunSpec, signal: AbortSignal): Promise<RequestResult[]> {
  const base = {
    targets: attackTargets(instance, run),
    concurrency: run.request.concurrency,
    timeoutSeconds: run.request.timeoutSeconds,
    signal,
  };
  const oneByOne = run.lifecycle === 'long-lived' || run.request.budgetSeconds !== undefined;
  if (run.lifecycle === 'fresh') {
    // Ready per the orchestrator is not yet routable: kube-proxy programs a new NodePort a moment later. A fresh
    // instance that never answers is the lab's failure to reach it, not the sample's death: never count it as one.
    const timeoutMs = readyTimeoutMs(run);
    if (!(await waitHealthy(instance, run, signal, timeoutMs)) && !signal.aborted) {
      if (run.workload.kind === 'service') {
        const printed = (await instance.logs().catch(() => '')).split('\n').map(stripTimestamp);
        throw notReadyError(run, run.workload.image!, `within ${Math.round(timeoutMs / 1000)} s`, printed);
      }
      throw new Error(`${run.id}: the ${run.workload.kind} never answered ${readinessUrl(instance, run)} within ${Math.round(timeoutMs / 1000)} s of starting (raise LAB_TIMEOUT_SCALE on a slow host)`);
    }
    if (!oneByOne) return attack(vegeta, { ...base, count: run.request.count, intervalSeconds: run.request.intervalSeconds });
  }
  const deadline = run.request.budgetSeconds === undefined ? Infinity : Date.now() + run.request.budgetSeconds * 1000;
  const results: RequestResult[] = [];
  for (let index = 0; index < run.request.count && !signal.aborted && Date.now() < deadline; index++) {
    if (index > 0) await sleep(run.request.intervalSeconds * 1000, undefined, { signal }).catch(() => {});
    // A fresh instance is not restarted: waiting for it again would only wait for the dead.
    if (run.lifecycle === 'long-lived') await waitHealthy(instance, run, signal);
    const batch = await attack(vegeta, { ...base, count: run.request.concurrency, intervalSeconds: 0 });
    results.push(...batch.map((result) => ({ ...result, seq: results.length + result.seq })));
    if (run.request.stopOnFailure && batch.some((result) => result.errorKind !== null)) break;
  }
  return results;
}
