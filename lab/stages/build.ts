import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { GenericContainer, ImageName, getContainerRuntimeClient } from 'testcontainers';
import { GO_SAMPLE_DIR } from '../paths.js';
import type { Progress } from '../progress.js';
import { goVersion } from '../tools/go.js';
import { ensureGoToolchain } from '../tools/go-toolchain.js';
import { flavourKey, type BuildFlavour } from '../variants.js';
import { VEGETA_VERSION, ensureVegeta } from '../tools/vegeta.js';

export interface SampleBuild {
  /** Content-addressed tag, never :latest, so kind and caches can trust it. */
  image: string;
  binary: string;
  /** The Go that compiled it, e.g. go1.19.13. */
  goVersion: string;
}

export interface BuildOutput {
  /** One image per build flavour, keyed by flavourKey. */
  samples: Record<string, SampleBuild>;
  vegeta: string;
  versions: Record<string, string>;
}

export const IMAGE_REPOSITORY = 'gomemlimit-lab/go-sample';
const LEGACY_MODFILE = 'go.legacy.mod';

/** Static build on the host: the image is FROM scratch and nothing is pulled. */
export async function buildSampleBinary(progress: Progress, flavour: BuildFlavour = { go: 'local', experiments: [] }): Promise<Omit<SampleBuild, 'image'>> {
  const toolchain = await ensureGoToolchain(flavour.go, LEGACY_MODFILE, progress);
  const key = flavourKey(flavour);
  const binary = path.join(GO_SAMPLE_DIR, 'bin', key === 'local' ? 'go-sample' : `go-sample-${key.replace(/[^a-z0-9.]+/g, '-')}`);
  progress.step(`building go-sample with ${toolchain.version}${flavour.experiments.length ? ` GOEXPERIMENT=${flavour.experiments.join(',')}` : ''} (CGO_ENABLED=0, static)`);
  const args = ['build', '-trimpath', '-ldflags=-s -w', '-o', binary, ...(toolchain.modfile ? [`-modfile=${toolchain.modfile}`] : []), '.'];
  await execa(toolchain.command, args, {
    cwd: GO_SAMPLE_DIR,
    env: { ...toolchain.env, CGO_ENABLED: '0', GOOS: 'linux', GOEXPERIMENT: flavour.experiments.join(',') },
  });
  return { binary, goVersion: toolchain.version };
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
  const relative = path.relative(GO_SAMPLE_DIR, binary);
  await GenericContainer.fromDockerfile(GO_SAMPLE_DIR).withBuildArgs({ BINARY: relative }).build(tag, { deleteOnExit: false });
  return tag;
}

/** Builds one sample per flavour. With `image: false` (a pushed image on an existing cluster) no local image or Docker is needed. */
export async function build(progress: Progress, flavours: BuildFlavour[], needs = { image: true }): Promise<BuildOutput> {
  const go = await goVersion();
  const vegeta = await ensureVegeta(progress);
  const samples: Record<string, SampleBuild> = {};
  const versions: Record<string, string> = { go, vegeta: VEGETA_VERSION };
  for (const flavour of flavours) {
    const key = flavourKey(flavour);
    if (samples[key]) continue;
    const built = await buildSampleBinary(progress, flavour);
    const image = needs.image ? await buildSampleImage(built.binary, progress) : 'none (pushed image)';
    samples[key] = { ...built, image };
    if (key !== 'local') versions[`go (${key})`] = built.goVersion;
  }
  return { samples, vegeta, versions };
}
