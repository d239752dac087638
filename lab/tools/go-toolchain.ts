// Go toolchains for the Go-version axis, fetched from the module proxy through GOTOOLCHAIN.
import { cp, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { pathExists } from '../fs.js';
import { CACHE_DIR } from '../paths.js';
import type { Progress } from '../progress.js';
import { UsageError } from '../errors.js';
import { goVersion } from './go.js';

/** A release the module proxy could not give (no network, GOPROXY=off, no such release): one line, with go's reason. */
export class ToolchainUnavailableError extends UsageError {}

/** Fetches the toolchain on first use (any go command under GOTOOLCHAIN=name does) and asks its version. */
async function fetchedVersion(name: string, env: Record<string, string>): Promise<string> {
  const result = await execa('go', ['env', 'GOVERSION'], { env, reject: false });
  if (result.exitCode === 0) return result.stdout.trim();
  const lines = String(result.stderr).split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('go: downloading'));
  const why = lines.join(' ') || `exit code ${result.exitCode}`;
  throw new ToolchainUnavailableError(`Go ${name} could not be fetched through the module proxy: ${why}`);
}

/** How to run `go` for one toolchain. */
export interface GoToolchain {
  command: string;
  env: Record<string, string>;
  /** go.mod to build with (-modfile), for toolchains that cannot read the sample's own. */
  modfile: string | null;
  /** `go env GOVERSION`, e.g. go1.19.13. */
  version: string;
}

/** Releases from Go 1.21 on are named go1.N.0; earlier ones go1.N. */
export function toolchainName(version: string): string {
  const [major, minor, patch] = version.split('.');
  const modern = Number(minor) >= 21;
  return `go${major}.${minor}${patch !== undefined ? `.${patch}` : modern ? '.0' : ''}`;
}

function isLegacy(version: string): boolean {
  return Number(version.split('.')[1]) < 21;
}

/**
 * Toolchains before Go 1.21 ship in the proxy's module zip with src/go.mod renamed to _go.mod, and then
 * cannot resolve the standard library ("import of unknown directory"). A patched copy in the cache fixes that.
 */
async function legacyGoroot(name: string, progress: Progress): Promise<string> {
  const target = path.join(CACHE_DIR, 'go', name);
  if (await pathExists(path.join(target, 'bin', 'go'))) return target;
  progress.step(`fetching Go toolchain ${name} through the module proxy (once; cached in ${path.relative(process.cwd(), target)})`);
  await fetchedVersion(name, { GOTOOLCHAIN: name }); // downloads golang.org/toolchain into the module cache
  const { stdout: modcache } = await execa('go', ['env', 'GOMODCACHE']);
  const { stdout: platform } = await execa('go', ['env', 'GOHOSTOS', 'GOHOSTARCH']);
  const [goos, goarch] = platform.split('\n');
  const source = path.join(modcache.trim(), `golang.org/toolchain@v0.0.1-${name}.${goos}-${goarch}`);
  const staging = `${target}.${process.pid}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await cp(source, staging, { recursive: true, mode: 0 });
  await execa('chmod', ['-R', 'u+w', staging]);
  for (const dir of ['src', path.join('src', 'cmd')]) {
    for (const file of await readdir(path.join(staging, dir))) {
      if (file === '_go.mod' || file === '_go.sum') await rename(path.join(staging, dir, file), path.join(staging, dir, file.slice(1)));
    }
  }
  await rename(staging, target);
  return target;
}

/**
 * "local" is the go on PATH; anything else is fetched once from the module proxy. A module that has no
 * go.mod for toolchains before 1.21 passes no legacyModfile.
 */
export function ensureGoToolchain(version: string, legacyModfile: string | null, progress: Progress): Promise<GoToolchain> {
  // Resolved once per process: the run fetches its releases before it starts, and the build asks again.
  const key = `${version} ${legacyModfile ?? ''}`;
  let toolchain = resolved.get(key);
  if (!toolchain) resolved.set(key, (toolchain = resolveGoToolchain(version, legacyModfile, progress)));
  return toolchain;
}

const resolved = new Map<string, Promise<GoToolchain>>();

async function resolveGoToolchain(version: string, legacyModfile: string | null, progress: Progress): Promise<GoToolchain> {
  if (version === 'local') return { command: 'go', env: {}, modfile: null, version: await goVersion() };
  const name = toolchainName(version);
  if (isLegacy(version)) {
    const goroot = await legacyGoroot(name, progress);
    const env = { GOROOT: goroot, GOTOOLCHAIN: 'local' };
    const command = path.join(goroot, 'bin', 'go');
    return { command, env, modfile: legacyModfile, version: await goVersion(command, env) };
  }
  const env = { GOTOOLCHAIN: name };
  progress.step(`using Go toolchain ${name} (GOTOOLCHAIN; fetched once through the module proxy)`);
  return { command: 'go', env, modfile: null, version: await fetchedVersion(name, env) };
}
