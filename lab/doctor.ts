import path from 'node:path';
import { execa } from 'execa';
import { pathExists } from './fs.js';
import { CACHE_BIN_DIR } from './paths.js';
import { NODE_IMAGE } from './runtimes/kind/node-image.js';
import { imageExists } from './tools/docker-pull.js';
import { KIND_VERSION, SAMPLE_GO } from './pins.js';
import { findKubectl } from './tools/kubectl.js';
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

const cached = (binary: string) => pathExists(path.join(CACHE_BIN_DIR, binary));

/** Tools built on first use by the lab itself: missing is normal on a new machine, not an error. */
export const BUILT_ON_DEMAND = new Set(['vegeta', 'kind', 'kubectl', 'kind node image', 'sample Go']);

/** The pinned sample Go is in the module cache (GOTOOLCHAIN fetched it), or is the machine's own. */
async function pinnedGoFetched(): Promise<boolean> {
  const env = await firstLine('go', ['env', 'GOVERSION', 'GOMODCACHE', 'GOHOSTOS', 'GOHOSTARCH']);
  if (env === `go${SAMPLE_GO}`) return true;
  const { stdout } = await execa('go', ['env', 'GOMODCACHE', 'GOHOSTOS', 'GOHOSTARCH'], { reject: false });
  const [modcache, goos, goarch] = stdout.split('\n');
  return pathExists(path.join(modcache ?? '', 'golang.org', `toolchain@v0.0.1-go${SAMPLE_GO}.${goos}-${goarch}`));
}

/** What the lab needs, found or not, with versions; nothing is installed or started. */
export async function doctor(): Promise<ToolCheck[]> {
  const node = process.version;
  const go = await firstLine('go', ['env', 'GOVERSION']);
  const docker = await firstLine('docker', ['version', '--format', '{{.Server.Version}}']);
  const dockerClient = await firstLine('docker', ['version', '--format', '{{.Client.Version}}']);
  const vegeta = await cached(`vegeta-${VEGETA_VERSION}`);
  const kindOnPath = await firstLine('kind', ['version']).catch(() => null);
  const kindCached = await cached(`kind-${KIND_VERSION}`);
  const kubectl = await findKubectl();
  const kubectlVersion = kubectl ? await firstLine(kubectl, ['version', '--client']) : null;
  const nodeImage = docker !== null && (await imageExists(NODE_IMAGE));
  const sampleGo = go === null ? false : await pinnedGoFetched();
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
    {
      name: 'kind',
      present: Boolean(kindOnPath) || kindCached,
      version: kindOnPath ?? (kindCached ? KIND_VERSION : 'not built yet'),
      hint: 'built on first kind run with go install into .cache/bin',
    },
    {
      name: 'kubectl',
      present: kubectlVersion !== null,
      version: kubectlVersion ?? 'not built yet',
      hint: 'built with the node image: bash scripts/node-image/build.sh',
    },
    {
      name: 'sample Go',
      present: sampleGo,
      version: sampleGo ? `go${SAMPLE_GO} (pinned)` : `go${SAMPLE_GO} (pinned) not fetched yet`,
      hint: "fetched on first run through the module proxy (GOTOOLCHAIN); offline, the machine's Go builds the sample and says so",
    },
    {
      name: 'kind node image',
      present: nodeImage,
      version: nodeImage ? NODE_IMAGE : 'not built yet',
      hint: 'built on first kind run, or: bash scripts/node-image/build.sh (about 12 min cold)',
    },
  ];
}

export function formatDoctor(checks: ToolCheck[]): string {
  return checks
    .map((check) => {
      const state = check.present ? 'ok' : BUILT_ON_DEMAND.has(check.name) ? 'later' : 'MISSING';
      return `${state.padEnd(7)} ${check.name.padEnd(16)} ${check.version}${check.present ? '' : `  (${check.hint})`}`;
    })
    .join('\n');
}
