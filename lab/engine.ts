// A fresh Debian or Ubuntu machine, run as root with no engine: the lab starts one itself (scripts/setup-docker.sh).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { UsageError } from './errors.js';
import { REPO_ROOT } from './paths.js';
import type { Progress } from './progress.js';

const SETUP_SCRIPT = path.join(REPO_ROOT, 'scripts', 'setup-docker.sh');
export const NO_ENGINE_SETUP = 'LAB_NO_ENGINE_SETUP';

export async function engineAnswers(): Promise<boolean> {
  const result = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 20_000 }).catch(() => null);
  return result?.exitCode === 0;
}

export interface Host {
  env: NodeJS.ProcessEnv;
  uid: number | null;
  platform: NodeJS.Platform;
  osRelease: string | null;
}

/** Why the lab must not install and start an engine here, or null when it may. */
export function engineSetupRefusal(host: Host): string | null {
  if (host.env[NO_ENGINE_SETUP] === '1') return `${NO_ENGINE_SETUP}=1`;
  const dockerHost = host.env.DOCKER_HOST;
  if (dockerHost && dockerHost !== 'unix:///var/run/docker.sock') return `DOCKER_HOST=${dockerHost} names another engine`;
  if (host.platform !== 'linux') return `${host.platform} is not Linux`;
  if (host.uid !== 0) return 'not root';
  const ids = /^ID(?:_LIKE)?=.*$/gm;
  const family = (host.osRelease ?? '').match(ids)?.join(' ') ?? '';
  if (!/\b(debian|ubuntu)\b/.test(family)) return 'not Debian or Ubuntu';
  return null;
}

export async function currentHost(): Promise<Host> {
  return {
    env: process.env,
    uid: process.getuid?.() ?? null,
    platform: process.platform,
    osRelease: await readFile('/etc/os-release', 'utf8').catch(() => null),
  };
}

/**
 * Starts an engine when none answers and this is a machine the setup script knows (root, Debian or Ubuntu, no
 * DOCKER_HOST elsewhere). Elsewhere it does nothing: the runtime's own check then names what is missing.
 */
export async function ensureEngine(progress: Progress): Promise<void> {
  if (await engineAnswers()) return;
  if (engineSetupRefusal(await currentHost()) !== null) return;
  progress.step(`no Docker engine is running: starting one with scripts/setup-docker.sh (${NO_ENGINE_SETUP}=1 turns this off)`);
  const setup = execa('bash', [SETUP_SCRIPT], { all: true, reject: false });
  setup.all?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.startsWith('[setup-docker]')) progress.info(line);
  });
  const result = await setup;
  if (result.exitCode !== 0 || !(await engineAnswers())) {
    const last = String(result.all ?? '').trim().split('\n').pop() ?? '';
    throw new UsageError(`could not start a Docker engine with scripts/setup-docker.sh: ${last || `exit ${result.exitCode}`}`);
  }
}
