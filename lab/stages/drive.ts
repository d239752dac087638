import type { RunSpec } from '../plan.js';
import type { Instance } from '../runtimes/runtime.js';
import { attack, type RequestResult } from '../tools/vegeta.js';

export function requestUrl(instance: Instance, run: RunSpec): string {
  const url = new URL(run.request.path, instance.baseUrl);
  url.searchParams.set('mib', String(run.request.bodyMiB));
  return url.toString();
}

/** Drives the run's requests against the instance on loopback. */
export function drive(vegeta: string, instance: Instance, run: RunSpec, signal: AbortSignal): Promise<RequestResult[]> {
  return attack(vegeta, {
    url: requestUrl(instance, run),
    count: run.request.count,
    concurrency: run.request.concurrency,
    intervalSeconds: run.request.intervalSeconds,
    timeoutSeconds: run.request.timeoutSeconds,
    signal,
  });
}
