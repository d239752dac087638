import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { SCENARIO_DIR } from '../lab/model/scenario.js';
import { spawnLab } from './helpers.js';

// The nightly regression on the real Docker engine: a healthy tree passes; a deliberately broken fix fails with a reason.
test('regress on docker: passes on the fixed scenario, writes JUnit and a summary', { timeout: 15 * 60_000 }, async () => {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'lab-regress-')), 'run');
  // The scenario's own 5 repetitions: judged by interval, one unlucky kill of limit-90 in 5 still passes.
  const result = await spawnLab(['regress', '--runtime', 'docker', '--out', out, '--quiet'], {});
  assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /regress regress on docker: passed/);
  const summary = JSON.parse(await readFile(path.join(out, 'regress-summary.json'), 'utf8'));
  assert.equal(summary.passed, true);
  assert.equal(summary.counts.failed, 0);
  const junit = await readFile(path.join(out, 'junit.xml'), 'utf8');
  assert.equal((junit.match(/<testcase /g) ?? []).length, summary.counts.checks);
  assert.doesNotMatch(junit, /<failure/);
});

test('regress on docker: GOMEMLIMIT far above the limit is caught, with one reason line per failed expectation', { timeout: 15 * 60_000 }, async () => {
  const work = await mkdtemp(path.join(os.tmpdir(), 'lab-regress-broken-'));
  const scenario = parseYaml(await readFile(path.join(SCENARIO_DIR, 'regress.yaml'), 'utf8'));
  scenario.variants.find((variant: { name: string }) => variant.name === 'limit-90').gomemlimitRatio = 8; // 3.2 GiB under a 400Mi limit
  const broken = path.join(work, 'regress-broken.yaml');
  await writeFile(broken, stringifyYaml(scenario));
  const out = path.join(work, 'run');
  const result = await spawnLab(['regress', '--runtime', 'docker', '--reps', '2', '--scenario', broken, '--out', out, '--quiet'], {});
  assert.equal(result.exitCode, 1, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /REGRESSION/);
  // Without an effective GOMEMLIMIT the variant is the baseline, which a loaded host lets survive now and then
  // (1 of 2 seen once): the check must fail either way, since 1/2's interval tops out at 91%.
  assert.match(result.stdout, /FAILED\s+limit-90: survival (0|50)% \([01]\/2, 95% CI \d+–\d+%\) is below the expected 95% even at the top of its interval$/m);
  const junit = await readFile(path.join(out, 'junit.xml'), 'utf8');
  assert.match(junit, /<failure message="limit-90: survival (0|50)%/);
});
