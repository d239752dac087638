import type { RunSpec } from '../model/plan.js';

/** How a workload is judged ready, in words for errors and the dry run. */
export function describeReadiness(run: Pick<RunSpec, 'workload'>): string {
  const { readiness, port } = run.workload;
  const http = readiness.path === null ? `any HTTP answer on port ${port}` : `GET ${readiness.path} answering 2xx on port ${port}`;
  return readiness.log === null ? http : `a line containing "${readiness.log}", then ${http}`;
}
