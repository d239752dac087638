/**
 * Lab overhead benchmark: wall time per repetition of `npm run lab` (seed scenario, reports included)
 * against the same work done bare: `docker run` with the same limits and env, wait until it listens,
 * one request with curl, `docker inspect`, `docker rm`. Rounds alternate so drift hits both alike.
 *
 * Then how fast bad input is refused: a --out that can never be created, per runtime, against a bare Node start.
 *
 *   npm run bench [-- --reps 3 --rounds 2] [--refusals-only]
 *   npm run bench -- --parallel [...]   parallel against sequential repetitions (scripts/bench-parallel.ts)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { median } from '../lab/analyse/stats.js';
import { freeLoopbackPort } from '../lab/net.js';
import { REPO_ROOT } from '../lab/paths.js';
import { planRuns, type RunSpec } from '../lab/model/plan.js';
import { buildSampleBinary, buildSampleImage } from '../lab/build/sample.js';
import { silentProgress } from '../lab/progress.js';
import { loadScenario } from '../lab/model/scenario.js';

if (process.argv.includes('--parallel')) {
  await import('./bench-parallel.js');
  process.exit(process.exitCode ?? 0);
}

const { values } = parseArgs({
  options: { reps: { type: 'string', default: '3' }, rounds: { type: 'string', default: '2' }, 'refusals-only': { type: 'boolean', default: false } },
});
const reps = Number(values.reps);
const rounds = Number(values.rounds);
if (!Number.isInteger(reps) || reps < 1 || !Number.isInteger(rounds) || rounds < 1) {
  console.error('usage: npm run bench -- [--reps N] [--rounds N]');
  process.exit(2);
}

const seconds = (start: number) => (performance.now() - start) / 1000;

async function labRound(): Promise<number> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'lab-bench-'));
  const start = performance.now();
  await execa(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['lab/cli.ts', '--runtime', 'docker', '--reps', String(reps), '--out', path.join(out, 'run'), '--quiet'], { cwd: REPO_ROOT });
  const elapsed = seconds(start);
  await rm(out, { recursive: true, force: true });
  return elapsed;
}

async function bareRepetition(run: RunSpec, image: string): Promise<void> {
  const port = await freeLoopbackPort();
  const env = Object.entries({ ...run.env, BODY_MIB: String(run.request.bodyMiB) }).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  const { stdout: id } = await execa('docker', [
    'run', '-d', '--memory', String(run.memoryLimitBytes), '--memory-swap', String(run.memoryLimitBytes),
    '--cpus', String(run.cpuLimitMillis / 1000), '-p', `127.0.0.1:${port}:5500`, ...env, image,
  ]);
  try {
    while (!(await execa('docker', ['logs', id], { all: true })).all.includes('"msg":"listening"')) await new Promise((r) => setTimeout(r, 50));
    await execa('curl', ['-s', '-o', '/dev/null', '--max-time', '120', `http://127.0.0.1:${port}${run.request.path}?mib=${run.request.bodyMiB}`], { reject: false });
    await execa('docker', ['inspect', '--format', '{{.State.OOMKilled}} {{.State.ExitCode}}', id]);
  } finally {
    await execa('docker', ['rm', '-f', id]);
  }
}

async function bareRound(runs: RunSpec[], image: string): Promise<number> {
  const start = performance.now();
  for (const run of runs) await bareRepetition(run, image);
  return seconds(start);
}

/** Wall seconds of one command, which must fail with exit 2 (a refusal) or succeed (the baseline). */
async function timed(command: string, args: string[], expectedExit: number): Promise<number> {
  const start = performance.now();
  const result = await execa(command, args, { cwd: REPO_ROOT, reject: false });
  if (result.exitCode !== expectedExit) throw new Error(`${command} ${args.join(' ')}: exit ${result.exitCode}, expected ${expectedExit}: ${result.stderr}`);
  return seconds(start);
}

async function refusals(samples = 5): Promise<void> {
  const nodeStart: number[] = [];
  for (let i = 0; i < samples; i++) nodeStart.push(await timed(process.execPath, ['-e', '0'], 0));
  const bare = median(nodeStart)!;
  console.log(`refusals: bare node start ${bare.toFixed(2)} s (median of ${samples})`);
  const runtimes = [['docker'], ['kind'], ['existing', '--context', 'nope', '--image', 'x/y:1']];
  for (const runtime of runtimes) {
    const times: number[] = [];
    for (let i = 0; i < samples; i++) times.push(await timed(process.execPath, ['--import', 'tsx', 'lab/cli.ts', '--runtime', ...runtime, '--out', '/proc/forbidden/here'], 2));
    const refusal = median(times)!;
    console.log(`refusals: --runtime ${runtime[0]} --out /proc/forbidden/here: ${refusal.toFixed(2)} s (median of ${samples}, ${(refusal / bare).toFixed(1)}x a bare node start; goal < 2 s)`);
  }
}

if (values['refusals-only']) {
  await refusals();
  process.exit(0);
}

const scenario = await loadScenario('seed');
const runs = planRuns(scenario, { runtime: 'docker', reps }).runs;
const image = await buildSampleImage((await buildSampleBinary(silentProgress)).binary, silentProgress);
console.log(`bench: seed scenario, ${runs.length} repetitions per round (${reps} per variant), ${rounds} rounds, image ${image}`);
await labRound(); // warm-up: builds and caches the load generator, warms the engine

const labPerRep: number[] = [];
const barePerRep: number[] = [];
for (let round = 1; round <= rounds; round++) {
  const lab = (await labRound()) / runs.length;
  const bare = (await bareRound(runs, image)) / runs.length;
  labPerRep.push(lab);
  barePerRep.push(bare);
  console.log(`round ${round}: lab ${lab.toFixed(2)} s/rep, bare docker run + curl ${bare.toFixed(2)} s/rep, ratio ${(lab / bare).toFixed(2)}x`);
}
const labMedian = median(labPerRep)!;
const bareMedian = median(barePerRep)!;
console.log(`median: lab ${labMedian.toFixed(2)} s/rep, bare ${bareMedian.toFixed(2)} s/rep, ratio ${(labMedian / bareMedian).toFixed(2)}x (goal <= 1.3x, reports included)`);
await refusals();
