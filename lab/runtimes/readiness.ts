import { UsageError } from '../errors.js';
import type { RunSpec } from '../model/plan.js';

/** How a workload is judged ready, in words for errors and the dry run. */
export function describeReadiness(run: Pick<RunSpec, 'workload'>): string {
  const { readiness, port } = run.workload;
  const http = readiness.path === null ? `any HTTP answer on port ${port}` : `GET ${readiness.path} answering 2xx on port ${port}`;
  return readiness.log === null ? http : `a line containing "${readiness.log}", then ${http}`;
}

/** A service that never got ready is a usage problem (a wrong port or readiness): one line, with what it last printed. */
export function notReadyError(run: Pick<RunSpec, 'workload'>, image: string, how: string, printed: readonly string[]): UsageError {
  const last = printed.filter((line) => line.trim()).slice(-5).join(' | ') || '(it printed nothing)';
  return new UsageError(`${image} was not ready ${how} (${describeReadiness(run)}): its last lines: ${last}`);
}
