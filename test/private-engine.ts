// A Docker engine of a test's own (its socket, data root, exec root and bridge), so a test may stop and restart
// dockerd without touching the engine the user, and every other test, works with.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';

export interface PrivateEngine {
  /** DOCKER_HOST for the lab and the docker CLI. */
  readonly host: string;
  docker(args: string[]): Promise<string>;
  /** Stops dockerd as a service manager would (SIGTERM, its containers stopped), and waits for it to exit. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops dockerd and removes its bridge and folders. */
  remove(): Promise<void>;
}

/** Why this machine cannot run one, or null. */
export async function privateEngineUnavailable(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'needs root to start a dockerd';
  const found = await execa('sh', ['-c', 'command -v dockerd && command -v ip'], { reject: false });
  return found.exitCode === 0 ? null : 'needs dockerd and ip on PATH';
}

export async function startPrivateEngine(bridge = 'labfault0', subnet = '10.213.47.1/24'): Promise<PrivateEngine> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'lab-private-engine-'));
  const socket = path.join(root, 'docker.sock');
  const host = `unix://${socket}`;
  await execa('ip', ['link', 'del', bridge], { reject: false });
  await execa('ip', ['link', 'add', bridge, 'type', 'bridge']);
  await execa('ip', ['addr', 'add', subnet, 'dev', bridge]);
  await execa('ip', ['link', 'set', bridge, 'up']);
  // No iptables: the user's engine owns those chains; published ports go through docker-proxy instead.
  const args = ['--host', host, '--data-root', path.join(root, 'data'), '--exec-root', path.join(root, 'exec'), '--pidfile', path.join(root, 'docker.pid'), '--bridge', bridge, '--iptables=false', '--ip6tables=false', '--ip-forward=false'];
  let daemon: ResultPromise | null = null;
  const docker = async (cli: string[]) => (await execa('docker', ['--host', host, ...cli])).stdout.trim();
  const engine: PrivateEngine = {
    host,
    docker,
    async start() {
      daemon = execa('dockerd', args, { reject: false, stdio: ['ignore', 'ignore', 'ignore'], detached: true });
      for (let i = 0; i < 120; i++) {
        if ((await execa('docker', ['--host', host, 'info'], { reject: false })).exitCode === 0) return;
        if (daemon.exitCode !== null && daemon.exitCode !== undefined) break;
        await sleep(500);
      }
      throw new Error(`the private dockerd did not come up (see ${root})`);
    },
    async stop() {
      if (!daemon) return;
      daemon.kill('SIGTERM');
      await daemon;
      daemon = null;
    },
    async remove() {
      await engine.stop().catch(() => {});
      await execa('ip', ['link', 'del', bridge], { reject: false });
      // dockerd bind-mounts its data root onto itself and leaves the mount after it exits.
      await execa('umount', ['--recursive', path.join(root, 'data')], { reject: false });
      await rm(root, { recursive: true });
    },
  };
  try {
    await engine.start();
  } catch (error) {
    await engine.remove();
    throw error;
  }
  return engine;
}
