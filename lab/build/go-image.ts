// Lab-built Go programs: compiled static on the host, packaged FROM scratch, so no image is ever pulled.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { GenericContainer, ImageName, getContainerRuntimeClient } from 'testcontainers';
import type { Progress } from '../progress.js';
import { ensureGoToolchain, type GoToolchain } from '../tools/go-toolchain.js';

// An image build needs no reaper, and none could be pulled (the lab removes what it builds by its labels).
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

/** A Go module with a FROM scratch Dockerfile beside it. */
export interface ScratchGoProgram {
  dir: string;
  /** Image repository; tags are content hashes. */
  repository: string;
}

export interface ScratchGoBuild {
  /** <repository>:<hash12> */
  image: string;
  binary: string;
  goVersion: string;
}

/** CGO_ENABLED=0 and -trimpath: a static binary that runs in an empty image and builds the same anywhere. */
export async function buildStaticGo(dir: string, binary: string, toolchain: GoToolchain, experiments: string[] = []): Promise<void> {
  const args = ['build', '-trimpath', '-ldflags=-s -w', '-o', binary, ...(toolchain.modfile ? [`-modfile=${toolchain.modfile}`] : []), '.'];
  await execa(toolchain.command, args, {
    cwd: dir,
    env: { ...toolchain.env, CGO_ENABLED: '0', GOOS: 'linux', GOEXPERIMENT: experiments.join(',') },
  });
}

/** Content-addressed, never :latest, so kind and caches can trust it. */
export async function scratchImageTag(program: ScratchGoProgram, binary: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(binary));
  hash.update(await readFile(path.join(program.dir, 'Dockerfile')));
  return `${program.repository}:${hash.digest('hex').slice(0, 12)}`;
}

/** Builds the image once; a tag already in the engine's store is re-used. */
export async function buildScratchImage(program: ScratchGoProgram, binary: string, progress: Progress, buildArgs: Record<string, string> = {}): Promise<string> {
  const tag = await scratchImageTag(program, binary);
  const client = await getContainerRuntimeClient();
  if (await client.image.exists(ImageName.fromString(tag))) {
    progress.info(`image ${tag} is already built`);
    return tag;
  }
  progress.step(`building image ${tag} (FROM scratch)`);
  await GenericContainer.fromDockerfile(program.dir).withBuildArgs(buildArgs).build(tag, { deleteOnExit: false });
  return tag;
}

/** A program of the lab's own, built with the local Go into <dir>/bin/<name> (Go's cache makes a rebuild cheap), and its image. */
export async function buildLocalGoImage(program: ScratchGoProgram, name: string, progress: Progress): Promise<ScratchGoBuild> {
  const toolchain = await ensureGoToolchain('local', null, progress);
  const binary = path.join(program.dir, 'bin', name);
  progress.step(`building ${name} with ${toolchain.version} (CGO_ENABLED=0, static)`);
  await buildStaticGo(program.dir, binary, toolchain);
  return { image: await buildScratchImage(program, binary, progress), binary, goVersion: toolchain.version };
}
