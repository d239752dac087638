import path from 'node:path';
import { GO_SAMPLE_DIR } from '../paths.js';
import type { Progress } from '../progress.js';
import { goVersion } from '../tools/go.js';
import { ensureGoToolchain } from '../tools/go-toolchain.js';
import { flavourKey, type BuildFlavour } from '../model/variants.js';
import { VEGETA_VERSION, ensureVegeta } from '../tools/vegeta.js';
import { buildScratchImage, buildStaticGo, scratchImageTag, type ScratchGoProgram } from './go-image.js';

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

const SAMPLE: ScratchGoProgram = { dir: GO_SAMPLE_DIR, repository: IMAGE_REPOSITORY };

/** Static build on the host: the image is FROM scratch and nothing is pulled. */
export async function buildSampleBinary(progress: Progress, flavour: BuildFlavour = { go: 'local', experiments: [] }): Promise<Omit<SampleBuild, 'image'>> {
  const toolchain = await ensureGoToolchain(flavour.go, LEGACY_MODFILE, progress);
  const key = flavourKey(flavour);
  const binary = path.join(GO_SAMPLE_DIR, 'bin', key === 'local' ? 'go-sample' : `go-sample-${key.replace(/[^a-z0-9.]+/g, '-')}`);
  progress.step(`building go-sample with ${toolchain.version}${flavour.experiments.length ? ` GOEXPERIMENT=${flavour.experiments.join(',')}` : ''} (CGO_ENABLED=0, static)`);
  await buildStaticGo(GO_SAMPLE_DIR, binary, toolchain, flavour.experiments);
  return { binary, goVersion: toolchain.version };
}

export function sampleImageTag(binary: string): Promise<string> {
  return scratchImageTag(SAMPLE, binary);
}

export function buildSampleImage(binary: string, progress: Progress): Promise<string> {
  // Which flavour's binary to package: the Dockerfile copies BINARY.
  return buildScratchImage(SAMPLE, binary, progress, { BINARY: path.relative(GO_SAMPLE_DIR, binary) });
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
