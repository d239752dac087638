/**
 * Parallel repetitions against sequential ones: the same fix matrix run with --parallel 1 and with auto, back to
 * back, on docker and on kind. Prints the wall times and their ratio, the CPU floor (the sample containers' own
 * cpu.stat over the cores) and how close each run comes to it, the harness's cost, and the fidelity table:
 * survival compared with Fisher's exact test, median peaks within 2%.
 *
 *   npm run bench -- --parallel [--runtimes docker,kind] [--reps 10] [--variants baseline,limit-90,limit-100,stream]
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { fisherExact } from '../lab/analyse/fisher.js';
import { median } from '../lab/analyse/stats.js';
import { REPO_ROOT } from '../lab/paths.js';
import { readResults } from '../lab/report/write.js';
import type { Results, VariantSummary } from '../lab/model/results.js';

const { values } = parseArgs({
  options: {
    parallel: { type: 'boolean', default: true },
    runtimes: { type: 'string', default: 'docker,kind' },
    reps: { type: 'string', default: '10' },
    // A smaller fixed matrix than all of fixes, so both runtimes fit in about 15 minutes; the clear cases are in it.
    variants: { type: 'string', default: 'baseline,limit-90,limit-100,stream' },
  },
});
const MiB = 2 ** 20;
const lab = (args: string[]) => execa(process.execPath, ['--import', 'tsx', 'lab/cli.ts', ...args], { cwd: REPO_ROOT, all: true, reject: false });

interface Timed {
  wallSeconds: number;
  results: Results;
}

async function timedRun(runtime: string, parallel: string, dir: string): Promise<Timed> {
  const out = path.join(dir, `${runtime}-parallel-${parallel}`);
  const started = performance.now();
  const result = await lab(['--runtime', runtime, '--scenario', 'fixes', '--variants', values.variants!, '--reps', values.reps!, '--parallel', parallel, '--keep-cluster', '--out', out, '--quiet']);
  const wallSeconds = (performance.now() - started) / 1000;
  if (result.exitCode !== 0) throw new Error(`lab --runtime ${runtime} --parallel ${parallel} exited ${result.exitCode}:\n${String(result.all).split('\n').slice(-8).join('\n')}`);
  return { wallSeconds, results: await readResults(out) };
}

/** The CPU the sample containers themselves used (cgroup cpu.stat), over the cores: no schedule can beat it. */
function floorSeconds(results: Results): number {
  const used = results.runs.reduce((sum, run) => sum + (run.cpu?.usageSeconds ?? 0), 0);
  return used / results.environment.cpus;
}

function line(label: string, timed: Timed): string {
  const floor = floorSeconds(timed.results);
  const harness = timed.results.environment.harness;
  const execution = timed.results.execution;
  return [
    `  ${label}: ${timed.wallSeconds.toFixed(0)} s wall for ${timed.results.runs.length} repetitions (${execution?.parallel ?? '?'} at once: ${execution?.reason ?? '?'})`,
    `    floor ${floor.toFixed(0)} s (sample CPU ${(floor * timed.results.environment.cpus).toFixed(0)} s over ${timed.results.environment.cpus} cores), wall / floor ${(timed.wallSeconds / floor).toFixed(1)}`,
    `    harness: peak RSS ${harness ? (harness.peakRssBytes / MiB).toFixed(0) : '?'} MiB, ${harness?.cpuSecondsPerRepetition?.toFixed(2) ?? '?'} CPU s per repetition (lab process and the tools it waited for)`,
  ].join('\n');
}

interface FidelityRow {
  variant: string;
  sequential: string;
  parallel: string;
  p: number;
  peakDifference: number | null;
  /** 'same', or what differs: the survival test, the peaks, or a clear case missed on one side. */
  verdict: string;
}

const CLEAR_DEATHS = new Set(['baseline']);
const CLEAR_SURVIVORS = new Set(['limit-90', 'stream', 'jsonv2-stream', 'chunked']);

/** Why a run misses a clear case: baseline never survives, the clear fixes survive at least 9 of 10. */
function clearCaseMissed(summary: VariantSummary): boolean {
  if (CLEAR_DEATHS.has(summary.name)) return summary.survivedRepetitions > 0;
  if (CLEAR_SURVIVORS.has(summary.name)) return summary.survivedRepetitions < 0.9 * summary.repetitions;
  return false;
}

function fidelity(sequential: Results, parallel: Results): FidelityRow[] {
  return sequential.variants.map((before) => {
    const after = parallel.variants.find((variant) => variant.name === before.name)!;
    const p = fisherExact(before.survivedRepetitions, before.repetitions, after.survivedRepetitions, after.repetitions);
    const peaks = [before.peakMemoryMedianBytes, after.peakMemoryMedianBytes];
    const peakDifference = peaks[0] && peaks[1] ? Math.abs(peaks[1] - peaks[0]) / peaks[0] : null;
    const problems = [
      ...(p < 0.05 ? ['SURVIVAL DIFFERS'] : []),
      ...(peakDifference !== null && peakDifference > 0.02 ? ['PEAKS DIFFER'] : []),
      ...(clearCaseMissed(before) ? ['clear case MISSED sequentially'] : []),
      ...(clearCaseMissed(after) ? ['clear case MISSED in parallel'] : []),
    ];
    const rate = (summary: typeof before) => `${summary.survivedRepetitions}/${summary.repetitions}`;
    return { variant: before.name, sequential: rate(before), parallel: rate(after), p, peakDifference, verdict: problems.length ? problems.join(', ') : 'same' };
  });
}

function fidelityTable(rows: FidelityRow[]): string {
  const header = '  variant         sequential  parallel  Fisher p  median peak diff  verdict';
  const body = rows.map((row) =>
    `  ${row.variant.padEnd(15)} ${row.sequential.padEnd(11)} ${row.parallel.padEnd(9)} ${row.p.toFixed(3).padEnd(9)} ${(row.peakDifference === null ? 'n/a' : `${(row.peakDifference * 100).toFixed(2)}%`).padEnd(17)} ${row.verdict}`,
  );
  return [header, ...body].join('\n');
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'lab-bench-parallel-'));
console.log(`bench --parallel: fixes (${values.variants}), ${values.reps} repetitions per variant, --parallel 1 then auto, on ${values.runtimes}; runs in ${dir}`);
let allSame = true;
try {
  for (const runtime of values.runtimes!.split(',')) {
    // Warm-up: builds, the node image and the cluster are made here, not inside either timed run.
    const warm = await lab(['--runtime', runtime, '--variants', 'baseline', '--reps', '1', '--keep-cluster', '--out', path.join(dir, `${runtime}-warm-up`), '--quiet']);
    if (warm.exitCode !== 0) throw new Error(`warm-up on ${runtime} failed:\n${String(warm.all).split('\n').slice(-8).join('\n')}`);
    const sequential = await timedRun(runtime, '1', dir);
    const parallel = await timedRun(runtime, 'auto', dir);
    const ratio = parallel.wallSeconds / sequential.wallSeconds;
    const goal = runtime === 'kind' ? 1 / 3 : 1 / 4;
    console.log(`${runtime}: parallel / sequential = ${ratio.toFixed(2)} (goal <= ${goal.toFixed(2)}: ${ratio <= goal ? 'met' : 'MISSED'})`);
    console.log(line('sequential', sequential));
    console.log(line('parallel  ', parallel));
    const rows = fidelity(sequential.results, parallel.results);
    console.log(fidelityTable(rows));
    allSame &&= rows.every((row) => row.verdict === 'same');
    const perRep = (timed: Timed) => median(timed.results.runs.map((run) => run.wallSeconds))!;
    console.log(`  median repetition: ${perRep(sequential).toFixed(1)} s sequential, ${perRep(parallel).toFixed(1)} s parallel`);
  }
} finally {
  await lab(['clean']); // the kept kind cluster and any container
}
console.log(allSame ? 'fidelity: parallel and sequential runs reach the same answers' : 'fidelity: some answers DIFFER (see above)');
process.exitCode = allSame ? 0 : 1;
