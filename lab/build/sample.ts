import path from 'node:path';
import { GO_SAMPLE_DIR } from '../paths.js';
import type { Progress } from '../progress.js';
import { goVersion } from '../tools/go.js';
import { ToolchainUnavailableError, ensureGoToolchain } from '../tools/go-toolchain.js';
import { flavourKey, type BuildFlavour } from '../model/variants.js';
import { VEGETA_VERSION, ensureVegeta } from '../tools/vegeta.js';
import { buildScratchImage, buildStaticGo, scratchImageTag, type ScratchGoProgram } from './go-image.js';

export interface SampleBuild {
  /** Content-addressed tag, never :latest, so kind and caches can trust it. */
  image: string;
  binary: string;
  /** The Go that compiled it, e.g. go1.19.13. */
  goVersion: string;
  /** Why the machine's Go built it in place of the pinned release (the proxy could not give it); null otherwise. */
  fallback: string | null;
}

export interface BuildOutput {
  /** One image per build flavour, keyed by flavourKey. */
  samples: Record<string, SampleBuild>;
  /** Flavours whose build failed on their Go release (an experiment it lacks): their variants are not run. */
  failed: Record<string, string>;
  vegeta: string;
  versions: Record<string, string>;
}

export interface BuildRequest {
  flavours: BuildFlavour[];
  /** Build images (false: a pushed image on an existing cluster, no Docker needed). */
  image: boolean;
  /** The pinned release that may fall back to the machine's Go when the proxy cannot give it; null: none may. */
  fallbackFrom: string | null;
}

export const IMAGE_REPOSITORY = 'gomemlimit-lab/go-sample';
const LEGACY_MODFILE = 'go.legacy.mod';

const SAMPLE: ScratchGoProgram = { dir: GO_SAMPLE_DIR, repository: IMAGE_REPOSITORY };

/** The build's complaint, as go printed it: its last non-empty stderr line. */
class SampleBuildError extends Error {}

/** Static build on the host: the image is FROM scratch and nothing is pulled. */
export async function buildSampleBinary(progress: Progress, flavour: BuildFlavour = { go: 'local', experiments: [] }): Promise<Omit<SampleBuild, 'image' | 'fallback'>> {
  const toolchain = await ensureGoToolchain(flavour.go, LEGACY_MODFILE, progress);
  const key = flavourKey(flavour);
  const binary = path.join(GO_SAMPLE_DIR, 'bin', key === 'local' ? 'go-sample' : `go-sample-${key.replace(/[^a-z0-9.]+/g, '-')}`);
  const experiments = flavour.experiments.length ? ` GOEXPERIMENT=${flavour.experiments.join(',')}` : '';
  progress.step(`building go-sample with ${toolchain.version}${experiments} (CGO_ENABLED=0, static)`);
  try {
    await buildStaticGo(GO_SAMPLE_DIR, binary, toolchain, flavour.experiments);
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    const last = stderr.split('\n').map((line) => line.trim()).filter(Boolean).at(-1) ?? String(error);
    throw new SampleBuildError(`${toolchain.version}${experiments}: ${last}`);
  }
  return { binary, goVersion: toolchain.version };
}

export function sampleImageTag(binary: string): Promise<string> {
  return scratchImageTag(SAMPLE, binary);
}

export function buildSampleImage(binary: string, progress: Progress): Promise<string> {
  // Which flavour's binary to package: the Dockerfile copies BINARY.
  return buildScratchImage(SAMPLE, binary, progress, { BINARY: path.relative(GO_SAMPLE_DIR, binary) });
}

/**
 * Fetches every release the flavours name before anything starts, so a release the proxy cannot give is one line
 * and exit 2 with nothing created; the pinned one may fall back later, in the build, instead.
 */
export async function fetchToolchains(progress: Progress, flavours: BuildFlavour[], fallbackFrom: string | null): Promise<void> {
  for (const go of new Set(flavours.map((flavour) => flavour.go))) {
    if (go === 'local') continue;
    await ensureGoToolchain(go, LEGACY_MODFILE, progress).catch((error: unknown) => {
      if (!(error instanceof ToolchainUnavailableError) || go !== fallbackFrom) throw error;
    });
  }
}

/** One flavour's binary: the pinned release may fall back to the machine's Go, said on one line. */
async function buildFlavour(progress: Progress, flavour: BuildFlavour, fallbackFrom: string | null): Promise<Omit<SampleBuild, 'image'>> {
  try {
    return { ...(await buildSampleBinary(progress, flavour)), fallback: null };
  } catch (error) {
    if (!(error instanceof ToolchainUnavailableError) || flavour.go !== fallbackFrom) throw error;
    const local = await goVersion();
    const fallback = `${error.message}; built with the machine's ${local} instead`;
    progress.info(`WARNING: ${fallback}`);
    return { ...(await buildSampleBinary(progress, { ...flavour, go: 'local' })), fallback };
  }
}

/** Builds one sample per flavour; a flavour that does not build on its release is set apart, not fatal. */
export async function build(progress: Progress, request: BuildRequest): Promise<BuildOutput> {
  const go = await goVersion();
  const vegeta = await ensureVegeta(progress);
  const samples: Record<string, SampleBuild> = {};
  const failed: Record<string, string> = {};
  const versions: Record<string, string> = { go, vegeta: VEGETA_VERSION };
  for (const flavour of request.flavours) {
    const key = flavourKey(flavour);
    if (samples[key] || failed[key]) continue;
    let built: Omit<SampleBuild, 'image'>;
    try {
      built = await buildFlavour(progress, flavour, request.fallbackFrom);
    } catch (error) {
      if (!(error instanceof SampleBuildError)) throw error;
      failed[key] = error.message;
      progress.info(`not applicable: the sample does not build with ${error.message}`);
      continue;
    }
    const image = request.image ? await buildSampleImage(built.binary, progress) : 'none (pushed image)';
    samples[key] = { ...built, image };
    if (key !== 'local') versions[`go (${key})`] = built.goVersion;
  }
  return { samples, failed, vegeta, versions };
}
