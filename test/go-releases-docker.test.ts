import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { readResults } from '../lab/report/write.js';
import { spawnLab } from './helpers.js';

// A small body, so each repetition is short: the claim is about which Go built what, not about surviving.
const SCENARIO = `name: go-releases-small
description: which Go built each variant, recorded
container: { memoryLimit: 400Mi }
request: { bodyMiB: 4 }
reps: 1
variants:
  - name: plain
    gomemlimitRatio: 1
  - name: v1-engine
    description: Go 1.27 with encoding/json on its v1 engine
    go: "1.27.3"
    goexperiment: [nojsonv2]
  - name: jsonv2-old
    description: GOEXPERIMENT=jsonv2 did not exist before Go 1.25
    go: "1.24.13"
    encoder: jsonv2
`;

test('two Go releases in one run: results.json records each variant\'s Go and why; one that cannot build on its release is not applicable', { timeout: 10 * 60_000 }, async () => {
  const work = await mkdtemp(path.join(os.tmpdir(), 'lab-go-'));
  const file = path.join(work, 'go-releases-small.yaml');
  await writeFile(file, SCENARIO);
  const out = path.join(work, 'run');
  const result = await spawnLab(['--runtime', 'docker', '--scenario', file, '--go', '1.26.8', '--out', out, '--quiet'], {});
  assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
  const results = await readResults(out);
  const go = Object.fromEntries(results.variants.map((v) => [v.name, v.go && [v.go.version, v.go.experiments.join(','), v.go.source]]));
  assert.deepEqual(go, { plain: ['go1.26.8', '', 'flag'], 'v1-engine': ['go1.27.3', 'nojsonv2', 'scenario'] });
  assert.equal(results.variants.find((v) => v.name === 'plain')!.go!.reason, 'chosen with --go');
  assert.deepEqual(results.notApplicable.map((entry) => [entry.variant, entry.go]), [['jsonv2-old', 'go1.24.13']]);
  assert.match(results.notApplicable[0]!.reason, /^go1\.24\.13 GOEXPERIMENT=jsonv2: .*unknown GOEXPERIMENT jsonv2/);
  assert.equal(results.runs.length, 2, 'the not-applicable variant ran no repetition');
  // Each process said which Go it runs, and that is the Go recorded for its variant.
  for (const run of results.runs) {
    const log = await readFile(path.join(out, run.logFile), 'utf8');
    const version = results.variants.find((v) => v.name === run.variant)!.go!.version;
    assert.match(log, new RegExp(`"goVersion":"${version.replace(/\./g, '\\.')}("|[ -]X:nojsonv2")`), run.id); // Go names its experiments
  }
  const report = (await readFile(path.join(out, 'report.md'), 'utf8')).split('\n');
  assert.match(report[2]!, /^\*\*Go:\*\* Sample built with go1\.26\.8: chosen with --go; go1\.27\.3 GOEXPERIMENT=nojsonv2: set by the scenario's go: field\. Survival near the limit differs between Go releases.* Not applicable .*jsonv2-old/);
  assert.match(result.stdout.split('\n')[1]!, /^ {2}Sample built with go1\.26\.8/, 'the summary names the Go on its second line');

  // --go local: the machine's Go, named as such.
  const localOut = path.join(work, 'local');
  const local = await spawnLab(['--runtime', 'docker', '--scenario', file, '--variants', 'plain', '--go', 'local', '--out', localOut, '--quiet'], {});
  assert.equal(local.exitCode, 0, local.stderr);
  const machine = (await execa('go', ['env', 'GOVERSION'])).stdout.trim();
  assert.equal((await readFile(path.join(localOut, 'report.md'), 'utf8')).split('\n')[2], `**Go:** Sample built with ${machine}: chosen with --go.`);
});
