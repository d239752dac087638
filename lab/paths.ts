import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
/** Git-ignored cache for tools the lab builds once and re-uses. */
export const CACHE_DIR = process.env.GOMEMLIMIT_LAB_CACHE ?? path.join(REPO_ROOT, '.cache');
export const CACHE_BIN_DIR = path.join(CACHE_DIR, 'bin');
export const GO_SAMPLE_DIR = path.join(REPO_ROOT, 'go-sample');
export const CGROUP_PROBE_DIR = path.join(REPO_ROOT, 'cgroup-probe');
export const RESULTS_DIR = path.join(REPO_ROOT, 'results');
