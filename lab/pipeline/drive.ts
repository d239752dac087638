import { setTimeout as sleep } from 'node:timers/promises';
import type { RunSpec } from '../model/plan.js';
import { timeoutScale } from '../timeouts.js';
import type { Instance } from '../runtimes/runtime.js';
import { attack } from '../tools/vegeta.js';
import type { RequestResult } from '../model/results.js';

export function requestUrl(instance: Instance, run: RunSpec): string {
  const url = new URL(run.request.path, instance.baseUrl);
  url.searchParams.set('mib', String(run.request.bodyMiB));
  return url.toString();
}

/** A minute on a normal host, stretched by LAB_TIMEOUT_SCALE (a NodePort took over a minute to route in the TCG guest). */
const HEALTHY_MS = 60_000;

/** Waits until the sample answers /healthz again (after a restart), or gives up after the timeout. */
export async function waitHealthy(instance: Instance, signal: AbortSignal, timeoutMs = HEALTHY_MS * timeoutScale()): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal.aborted) {
    const ok = await fetch(new URL('/healthz', instance.baseUrl), { signal: AbortSignal.any([signal, AbortSignal.timeout(1000)]) }).then(
      (response) => response.ok,
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
    url: requestUrl(instance, run),
    concurrency: run.request.concurrency,
    timeoutSeconds: run.request.timeoutSeconds,
    signal,
  };
  const oneByOne = run.lifecycle === 'long-lived' || run.request.budgetSeconds !== undefined;
  if (run.lifecycle === 'fresh') {
    // Ready per the orchestrator is not yet routable: kube-proxy programs a new NodePort a moment later. A fresh
    // instance that never answers is the lab's failure to reach it, not the sample's death: never count it as one.
    const timeoutMs = HEALTHY_MS * timeoutScale();
    if (!(await waitHealthy(instance, signal, timeoutMs)) && !signal.aborted) {
      throw new Error(`${run.id}: the sample never answered ${new URL('/healthz', instance.baseUrl)} within ${Math.round(timeoutMs / 1000)} s of starting (raise LAB_TIMEOUT_SCALE on a slow host)`);
    }
    if (!oneByOne) return attack(vegeta, { ...base, count: run.request.count, intervalSeconds: run.request.intervalSeconds });
  }
  const deadline = run.request.budgetSeconds === undefined ? Infinity : Date.now() + run.request.budgetSeconds * 1000;
  const results: RequestResult[] = [];
  for (let index = 0; index < run.request.count && !signal.aborted && Date.now() < deadline; index++) {
    if (index > 0) await sleep(run.request.intervalSeconds * 1000, undefined, { signal }).catch(() => {});
    // A fresh instance is not restarted: waiting for it again would only wait for the dead.
    if (run.lifecycle === 'long-lived') await waitHealthy(instance, signal);
    const batch = await attack(vegeta, { ...base, count: run.request.concurrency, intervalSeconds: 0 });
    results.push(...batch.map((result) => ({ ...result, seq: results.length + result.seq })));
    if (run.request.stopOnFailure && batch.some((result) => result.errorKind !== null)) break;
  }
  return results;
}
