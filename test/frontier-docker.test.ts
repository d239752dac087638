import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { readResults } from '../lab/report/write.js';
import { SCENARIO_DIR } from '../lab/model/scenario.js';
import { SEED_GO, spawnLab } from './helpers.js';

// The frontier search end to end on Docker, coarse so it stays short: a real bisection over real OOM kills.
test('frontier on docker: bisection over body size brackets where baseline starts dying, and charts it', { timeout: 15 * 60_000 }, async () => {
  const work = await mkdtemp(path.join(os.tmpdir(), 'lab-frontier-'));
  const scenario = parseYaml(await readFile(path.join(SCENARIO_DIR, 'frontier.yaml'), 'utf8'));
  scenario.frontier = { minMiB: 8, maxMiB: 200, resolutionMiB: 64, repsPerProbe: 1, targetSurvival: 0.9 };
  const file = path.join(work, 'frontier-coarse.yaml');
  await writeFile(file, stringifyYaml(scenario));
  const out = path.join(work, 'run');
  const result = await spawnLab(['--runtime', 'docker', '--scenario', file, '--variants', 'baseline', '--go', SEED_GO, '--out', out, '--quiet'], {});
  assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);

  const results = await readResults(out);
  const [frontier] = results.frontier ?? [];
  assert.ok(frontier, 'a frontier result');
  assert.equal(frontier.variant, 'baseline');
  // 8 MiB is far below the seed's 66 MiB kill and 200 MiB far above it under 400Mi.
  assert.deepEqual(frontier.probes.slice(0, 2).map((probe) => [probe.valueMiB, probe.passed]), [[8, true], [200, false]]);
  assert.equal(frontier.status, 'bracketed');
  assert.ok(frontier.failedMiB! - frontier.frontierMiB! <= 64);
  assert.ok(frontier.frontierMiB! < 150 && frontier.failedMiB! > 8);
  // Every probe is a variant of its own with its repetitions, named after its size.
  for (const probe of frontier.probes) {
    const summary = results.variants.find((variant) => variant.name === probe.variant);
    assert.equal(summary?.repetitions, 1);
    assert.equal(summary?.bodyMiB, probe.valueMiB);
  }
  await access(path.join(out, 'charts', 'frontier.svg'));
  await access(path.join(out, 'charts', 'frontier.png'));
  assert.match(await readFile(path.join(out, 'report.md'), 'utf8'), /baseline survives ≥ 90% up to \d+(\.\d+)? MiB; misses it at \d+(\.\d+)? MiB/);
});
