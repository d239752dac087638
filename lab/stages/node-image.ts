import path from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../paths.js';
import type { Progress } from '../progress.js';
import { K8S_VERSION } from '../tools/kubectl.js';

const BUILD_SCRIPT = path.join(REPO_ROOT, 'scripts', 'node-image', 'build.sh');
/** Bump with any change to the node image recipe, so a cached image is rebuilt. */
export const NODE_IMAGE_RECIPE = 2;
export const NODE_IMAGE = `gomemlimit-lab/kind-node:${K8S_VERSION}-r${NODE_IMAGE_RECIPE}`;

export async function imageExists(image: string): Promise<boolean> {
  const result = await execa('docker', ['image', 'inspect', image], { reject: false });
  return result.exitCode === 0;
}

/**
 * The air-gapped kind node image: re-used from the local image store, or built from pinned sources
 * (debootstrap rootfs, Kubernetes and etcd from Go modules); no registry is involved.
 */
export async function ensureNodeImage(progress: Progress): Promise<string> {
  if (await imageExists(NODE_IMAGE)) {
    progress.info(`node image ${NODE_IMAGE} is already built`);
    return NODE_IMAGE;
  }
  progress.step(`building the kind node image ${NODE_IMAGE} (once; the cold build takes a while)`);
  const started = Date.now();
  const build = execa('bash', [BUILD_SCRIPT], { env: { NODE_IMAGE, K8S_VERSION }, all: true, reject: false });
  build.all?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (/^\[(node-image|build-k8s)\]/.test(line)) progress.info(line);
  });
  const result = await build;
  if (result.exitCode !== 0) {
    const tail = String(result.all ?? '').trim().split('\n').slice(-5).join('\n');
    throw new Error(`node image build failed (bash ${path.relative(process.cwd(), BUILD_SCRIPT)}):\n${tail}`);
  }
  progress.info(`node image built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return NODE_IMAGE;
}
