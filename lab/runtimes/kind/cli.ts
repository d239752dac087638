import { execa } from 'execa';
import { UsageError } from '../../errors.js';
import { scaledDuration } from '../../timeouts.js';
import type { Progress } from '../../progress.js';
import { ensureGoTool } from '../../tools/go.js';
import { KIND_VERSION } from '../../pins.js';

export const KIND_MODULE = 'sigs.k8s.io/kind';

async function versionOf(binary: string): Promise<string | null> {
  const result = await execa(binary, ['version'], { reject: false });
  return result.exitCode === 0 ? (/v\d+\.\d+\.\d+\S*/.exec(result.stdout)?.[0] ?? result.stdout.trim()) : null;
}

/** kind on PATH when present, else the pinned version built into the lab's cache. */
export async function ensureKind(progress: Progress): Promise<{ path: string; version: string }> {
  const onPath = await versionOf('kind').catch(() => null);
  if (onPath) return { path: 'kind', version: onPath };
  const built = await ensureGoTool(KIND_MODULE, KIND_VERSION, 'kind', progress);
  return { path: built, version: (await versionOf(built)) ?? KIND_VERSION };
}

export async function kindClusters(kind: string): Promise<string[]> {
  const { stdout } = await execa(kind, ['get', 'clusters']);
  return stdout.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('No kind clusters'));
}

/**
 * kind create cluster; on failure the nodes are kept (--retain) just long enough to export their logs
 * (kubelet and containerd journals, kubeadm's output) to `logsDir`, and the error names kind's own ERROR line.
 */
export async function createCluster(
  kind: string,
  options: { name: string; config: string; image: string; kubeconfig: string; logsDir: string },
): Promise<void> {
  const result = await execa(
    kind,
    ['create', 'cluster', '--name', options.name, '--config', options.config, '--image', options.image, '--kubeconfig', options.kubeconfig, '--wait', scaledDuration(120), '--retain'],
    { reject: false, all: true },
  );
  if (result.exitCode === 0) return;
  const lines = String(result.all ?? '').trim().split('\n');
  const cause = lines.find((line) => /^ERROR:/.test(line)) ?? lines.at(-1) ?? `exit ${result.exitCode}`;
  const exported = await execa(kind, ['export', 'logs', options.logsDir, '--name', options.name], { reject: false });
  await deleteCluster(kind, options.name);
  const where = exported.exitCode === 0 ? `; node logs in ${options.logsDir}` : '';
  throw new Error(`kind could not create cluster ${options.name}: ${cause}${where}`);
}

export async function deleteCluster(kind: string, name: string): Promise<void> {
  await execa(kind, ['delete', 'cluster', '--name', name], { reject: false });
}

export async function loadImage(kind: string, cluster: string, image: string): Promise<void> {
  if (image.endsWith(':latest') || !image.includes(':')) throw new UsageError(`refusing to load ${image}: use a non-latest tag`);
  await execa(kind, ['load', 'docker-image', image, '--name', cluster]);
}
