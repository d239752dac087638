import path from 'node:path';
import { execa } from 'execa';
import { errorMessage } from '../../errors.js';
import { REPO_ROOT } from '../../paths.js';
import type { Progress } from '../../progress.js';
import { K8S_VERSION, NODE_IMAGE } from '../../pins.js';
import { imageExists, pullImage } from '../../tools/docker-pull.js';


export { NODE_IMAGE };

const BUILD_SCRIPT = path.join(REPO_ROOT, 'scripts', 'node-image', 'build.sh');
/** The node image kind v0.33.0 (KIND_VERSION) was released with (its pkg/apis/config/defaults/image.go), pinned by digest. */
export const STOCK_NODE_IMAGE = 'kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5';

export type NodeImageSource = 'given' | 'local store' | 'pulled' | 'built';

export interface NodeImageChoice {
  image: string;
  source: NodeImageSource;
  /** One sentence: which image and why, for the progress line and the report. */
  reason: string;
}

export interface NodeImageSteps {
  exists(image: string): Promise<boolean>;
  /** Resolves to null on success, else why the pull failed (one line). */
  pull(image: string): Promise<string | null>;
  /** Told why the pull failed, so it can say so before the long build starts. */
  build(pullFailure: string): Promise<string>;
}

/**
 * `--node-image auto`: an image already in the local store (the pinned stock one, else the air-gapped one built
 * here before), else a pull of the pinned stock image, else the air-gapped build. A named image is used as given.
 */
export async function chooseNodeImage(requested: string, steps: NodeImageSteps): Promise<NodeImageChoice> {
  if (requested !== 'auto') return { image: requested, source: 'given', reason: `node image ${requested} (--node-image)` };
  if (await steps.exists(STOCK_NODE_IMAGE)) {
    return { image: STOCK_NODE_IMAGE, source: 'local store', reason: `node image ${STOCK_NODE_IMAGE} (stock kind image, already in the local store)` };
  }
  if (await steps.exists(NODE_IMAGE)) {
    return { image: NODE_IMAGE, source: 'local store', reason: `node image ${NODE_IMAGE} (air-gapped, built here earlier and found in the local store; no pull needed)` };
  }
  const pullFailure = await steps.pull(STOCK_NODE_IMAGE);
  if (pullFailure === null) return { image: STOCK_NODE_IMAGE, source: 'pulled', reason: `node image ${STOCK_NODE_IMAGE} (stock kind image, pulled)` };
  const image = await steps.build(pullFailure);
  return { image, source: 'built', reason: `node image ${image} (air-gapped build: the pull of the stock ${STOCK_NODE_IMAGE.split('@')[0]} failed: ${pullFailure})` };
}

/**
 * The air-gapped kind node image, built from pinned sources (debootstrap rootfs, Kubernetes and etcd from Go
 * modules); no registry is involved. build.sh returns at once when the image exists.
 */
export async function buildNodeImage(progress: Progress): Promise<string> {
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

/** The node image for this run, with one progress line saying which and why. */
export async function resolveNodeImage(requested: string, progress: Progress): Promise<NodeImageChoice> {
  const choice = await chooseNodeImage(requested, {
    exists: imageExists,
    pull: (image) => pullImage(image, progress).catch((error: unknown) => errorMessage(error)),
    build: (pullFailure) => {
      progress.info(`the stock node image could not be pulled (${pullFailure}): falling back to the air-gapped build`);
      return buildNodeImage(progress);
    },
  });
  progress.info(choice.reason);
  return choice;
}
