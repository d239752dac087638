import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { GenericContainer, ImageName, getContainerRuntimeClient } from 'testcontainers';
import { GO_SAMPLE_DIR } from '../paths.js';
import type { Progress } from '../progress.js';
import { goVersion } from '../tools/go.js';
import { VEGETA_VERSION, ensureVegeta } from '../tools/vegeta.js';

export interface BuildOutput {
  /** Content-addressed tag, never :latest, so kind and caches can trust it. */
  image: string;
  binary: string;
  vegeta: string;
  versions: { go: string; vegeta: string };
}

export const IMAGE_REPOSITORY = 'gomemlimit-lab/go-sample';

/** Static build on the host: the image is FROM scratch and nothing is pulled. */
export async function buildSampleBinary(progress: Progress): Promise<string> {
  const binary = path.join(GO_SAMPLE_DIR, 'bin', 'go-sample');
  progress.step('building go-sample (CGO_ENABLED=0, static)');
  await execa('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', binary, '.'], {
    cwd: GO_SAMPLE_DIR,
    env: { CGO_ENABLED: '0', GOOS: 'linux' },
  });
  return binary;
}

export async function sampleImageTag(binary: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(binary));
  hash.update(await readFile(path.join(GO_SAMPLE_DIR, 'Dockerfile')));
  return `${IMAGE_REPOSITORY}:${hash.digest('hex').slice(0, 12)}`;
}

export async function buildSampleImage(binary: string, progress: Progress): Promise<string> {
  const tag = await sampleImageTag(binary);
  const client = await getContainerRuntimeClient();
  if (await client.image.exists(ImageName.fromString(tag))) {
    progress.info(`image ${tag} is already built`);
    return tag;
  }
  progress.step(`building image ${tag} (FROM scratch)`);
  await GenericContainer.fromDockerfile(GO_SAMPLE_DIR).build(tag, { deleteOnExit: false });
  return tag;
}

/** With `image: false` (a pushed image on an existing cluster) no local image or Docker is needed. */
export async function build(progress: Progress, needs = { image: true }): Promise<BuildOutput> {
  const go = await goVersion();
  const vegeta = await ensureVegeta(progress);
  const binary = await buildSampleBinary(progress);
  const image = needs.image ? await buildSampleImage(binary, progress) : 'none (pushed image)';
  return { image, binary, vegeta, versions: { go, vegeta: VEGETA_VERSION } };
}
