import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { UsageError } from '../errors.js';
import { pathExists } from '../fs.js';
import { CACHE_BIN_DIR } from '../paths.js';
import type { Progress } from '../progress.js';

/** `go env GOVERSION` of the go on PATH, or of another toolchain's command and environment. */
export async function goVersion(command = 'go', env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await execa(command, ['env', 'GOVERSION'], { env });
    return stdout.trim();
  } catch {
    throw new UsageError('Go is not installed or not on PATH: install Go 1.21 or newer (https://go.dev/dl) and retry');
  }
}

/**
 * Installs a pinned Go program into the lab's cache once; the binary name carries the version,
 * so a version bump rebuilds and an unchanged one is re-used.
 */
export async function ensureGoTool(pkg: string, version: string, binary: string, progress: Progress): Promise<string> {
  const target = path.join(CACHE_BIN_DIR, `${binary}-${version}`);
  if (await pathExists(target)) return target;
  await goVersion();
  progress.step(`building ${binary} ${version} with go install (once; cached in ${path.relative(process.cwd(), CACHE_BIN_DIR)})`);
  const gobin = path.join(CACHE_BIN_DIR, `.install-${binary}-${process.pid}`);
  await mkdir(gobin, { recursive: true });
  await execa('go', ['install', `${pkg}@${version}`], { env: { GOBIN: gobin, CGO_ENABLED: '0', GOFLAGS: '-trimpath' } });
  const built = path.join(gobin, path.basename(pkg.replace(/\/v\d+$/, '')));
  await execa('mv', [built, target]);
  await execa('rm', ['-rf', gobin]);
  return target;
}
