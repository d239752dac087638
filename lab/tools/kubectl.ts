import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { timeoutScale } from '../timeouts.js';
import { UsageError, failureLine } from '../errors.js';
import { pathExists } from '../fs.js';
import { CACHE_DIR } from '../paths.js';
import { K8S_VERSION } from '../pins.js';

export const CACHED_K8S_BIN = path.join(CACHE_DIR, 'k8s', K8S_VERSION, 'bin');

/**
 * The kubectl built with the node image's Kubernetes (no version skew with the kind cluster), else the one on PATH.
 */
export async function findKubectl(): Promise<string | null> {
  const cached = path.join(CACHED_K8S_BIN, 'kubectl');
  if (await pathExists(cached)) return cached;
  const onPath = await execa('kubectl', ['version', '--client', '-o', 'json'], { reject: false }).catch(() => null);
  return onPath && onPath.exitCode === 0 ? 'kubectl' : null;
}

/**
 * The kubectl inside a kind node image (every node image carries one at /usr/bin/kubectl): the exact client version
 * for that cluster, whatever kubectl the host has. Copied out once and cached.
 */
export async function kubectlFromNodeImage(image: string, cacheDir: string): Promise<string> {
  const target = path.join(cacheDir, `kubectl-${image.replace(/[^A-Za-z0-9_.-]+/g, '_')}`);
  if (await pathExists(target)) return target;
  const { stdout: id } = await execa('docker', ['create', image]);
  try {
    await execa('docker', ['cp', `${id.trim()}:/usr/bin/kubectl`, target]);
  } finally {
    await execa('docker', ['rm', '-f', id.trim()], { reject: false });
  }
  return target;
}

export async function requireKubectl(): Promise<string> {
  const found = await findKubectl();
  if (!found) throw new UsageError('kubectl is not installed: install it, or run `bash scripts/node-image/build-k8s.sh` to build it with the node image');
  return found;
}

/**
 * kubectl failures that say the API server was slow or briefly away, not that the request was wrong: seen on a
 * cgroup v2 guest under software emulation, where the first apply after cluster creation hit a TLS handshake timeout.
 */
const TRANSIENT = /TLS handshake timeout|connection refused|i\/o timeout|connection reset by peer|net\/http: request canceled|Client\.Timeout exceeded|the server is currently unable to handle the request|http2: client connection lost|unexpected EOF/;

export function transientKubectlFailure(stderr: string): boolean {
  return TRANSIENT.test(stderr);
}

const ATTEMPTS = 4;

/** A kubectl bound to one kubeconfig (and optionally one context). */
export class Kubectl {
  constructor(
    readonly binary: string,
    private readonly kubeconfig: string | undefined,
    private readonly context?: string,
  ) {}

  private args(args: string[]): string[] {
    return [...(this.kubeconfig ? ['--kubeconfig', this.kubeconfig] : []), ...(this.context ? ['--context', this.context] : []), ...args];
  }

  /** Retried (with a pause that LAB_TIMEOUT_SCALE stretches) while the failure is a transient one. */
  async run(args: string[], input?: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const result = await execa(this.binary, this.args(args), { input, reject: false });
      if (result.exitCode === 0) return result.stdout;
      if (attempt >= ATTEMPTS || !transientKubectlFailure(result.stderr)) throw Object.assign(new Error(`${result.shortMessage}\n${result.stderr}`.trim()), { stderr: result.stderr, exitCode: result.exitCode });
      await sleep(2000 * attempt * timeoutScale());
    }
  }

  /** Null when the API server says it is ready (/readyz), else why not. */
  async apiUnavailable(): Promise<{ reason: string } | null> {
    const result = await execa(this.binary, this.args(['get', '--raw', '/readyz']), { reject: false, timeout: 10_000 });
    return result.exitCode === 0 ? null : { reason: `the API server is not ready (${failureLine(result)})` };
  }

  async json<T>(args: string[]): Promise<T> {
    return JSON.parse(await this.run([...args, '-o', 'json'])) as T;
  }

  apply(yaml: string): Promise<string> {
    return this.run(['apply', '--server-side', '--force-conflicts', '-f', '-'], yaml);
  }

  /** A long-running kubectl (logs -f) that the caller stops. */
  spawn(args: string[]): ResultPromise {
    return execa(this.binary, this.args(args), { reject: false, buffer: false });
  }
}
