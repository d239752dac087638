import { access } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { CACHE_BIN_DIR } from './paths.js';
import { VEGETA_VERSION } from './tools/vegeta.js';

export interface ToolCheck {
  name: string;
  present: boolean;
  version: string;
  hint: string;
}

async function firstLine(command: string, args: string[]): Promise<string | null> {
  const result = await execa(command, args, { reject: false, timeout: 15_000 });
  return result.exitCode === 0 ? (result.stdout || result.stderr).split('\n')[0]!.trim() : null;
}

async function cached(binary: string): Promise<boolean> {
  return access(path.join(CACHE_BIN_DIR, binary)).then(
    () => true,
    () => false,
  );
}

/** What the lab needs, found or not, with versions; nothing is installed or started. */
export async function doctor(): Promise<ToolCheck[]> {
  const node = process.version;
  const go = await firstLine('go', ['env', 'GOVERSION']);
  const docker = await firstLine('docker', ['version', '--format', '{{.Server.Version}}']);
  const dockerClient = await firstLine('docker', ['version', '--format', '{{.Client.Version}}']);
  const vegeta = await cached(`vegeta-${VEGETA_VERSION}`);
  return [
    { name: 'node', present: true, version: node, hint: 'Node >= 20.18' },
    { name: 'go', present: go !== null, version: go ?? 'missing', hint: 'install Go >= 1.21 (builds the sample and the load generator)' },
    {
      name: 'docker engine',
      present: docker !== null,
      version: docker ?? (dockerClient ? `client ${dockerClient} only: no engine answers` : 'missing'),
      hint: 'start Docker, or `sudo bash scripts/setup-docker.sh`',
    },
    { name: 'vegeta', present: vegeta, version: vegeta ? VEGETA_VERSION : 'not built yet', hint: 'built on first run with go install into .cache/bin' },
  ];
}

export function formatDoctor(checks: ToolCheck[]): string {
  return checks
    .map((check) => `${check.present ? 'ok     ' : 'MISSING'} ${check.name.padEnd(14)} ${check.version}${check.present ? '' : `  (${check.hint})`}`)
    .join('\n');
}
