// A user's own service in place of the sample, on the real Docker engine: the fixture decodes an uploaded JSON
// document into map[string]any, so its heap is mostly live and GOMEMLIMIT cannot move its frontier.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { readResults } from '../lab/report/write.js';
import { INGEST_IMAGE, INGEST_PORT, buildIngestService, writeIngestDocument } from './fixtures/ingest-service.js';
import { containersOf, spawnLab } from './helpers.js';

const MiB = 2 ** 20;
let dir: string;

const scenario = (extra = '') => `
name: ingest-e2e
container: { memoryLimit: 256Mi, memoryRequest: 64Mi, cpuLimit: 500m }
service:
  image: ${INGEST_IMAGE}
  port: ${INGEST_PORT}
  readiness: { path: /ready }
  env: { GODEBUG: madvdontneed=1 }
  requests:
    targets:
      - { method: POST, path: /ingest, headers: { Content-Type: application/json }, bodyFile: doc.json }
reps: 2
variants:
  - { name: baseline }
  - { name: gomemlimit, gomemlimitRatio: 1${extra} }
sweep:
  memoryLimit: [128Mi, 192Mi]
`;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lab-service-'));
  await buildIngestService();
  await writeIngestDocument(path.join(dir, 'doc.json'), 120_000); // 14 MiB: about 140 MiB once decoded
  await writeFile(path.join(dir, 'ingest.yaml'), scenario());
});

test('a service scenario on docker: OOM-killed at 128Mi with or without GOMEMLIMIT, survives at 192Mi; gctrace, memory and the report', { timeout: 10 * 60_000 }, async () => {
  const out = path.join(dir, 'run');
  const result = await spawnLab(['--runtime', 'docker', '--scenario', path.join(dir, 'ingest.yaml'), '--out', out, '--quiet'], {});
  assert.equal(result.exitCode, 0, result.stderr);
  const results = await readResults(out);
  assert.deepEqual(results.service, { image: INGEST_IMAGE, port: INGEST_PORT, targets: ['POST /ingest'] });
  const byName = (name: string) => results.variants.find((variant) => variant.name === name)!;
  for (const variant of ['baseline', 'gomemlimit']) {
    const small = byName(`${variant}.limit-128mi`);
    const roomy = byName(`${variant}.limit-192mi`);
    assert.deepEqual([small.survivedRepetitions, small.oomKills], [0, 2], `${variant} at 128Mi`);
    assert.equal(roomy.survivedRepetitions, 2, `${variant} at 192Mi`);
    assert.ok(roomy.peakMemoryBytes! > 100 * MiB && roomy.peakMemoryBytes! < 192 * MiB, `${variant} peak ${roomy.peakMemoryBytes}`);
  }
  for (const run of results.runs) {
    assert.ok(run.processes.some((process) => process.gcCycles.length > 0), `${run.id}: gctrace read (GODEBUG merged: ${run.env.GODEBUG})`);
    assert.equal(run.env.GODEBUG, 'madvdontneed=1,gctrace=1');
  }
  const markdown = await readFile(path.join(out, 'report.md'), 'utf8');
  assert.match(markdown, new RegExp(`POST /ingest to ${INGEST_IMAGE.replace(/[./]/g, '\\$&')} under a 256\\.0 MiB memory limit \\(docker\\)`));
  assert.doesNotMatch(markdown, /printed no gctrace/);
});

test('bad service input gets one line and exit 2, with nothing left running', { timeout: 5 * 60_000 }, async () => {
  const service = ['--runtime', 'docker', '--service-image', INGEST_IMAGE, '--service-port', String(INGEST_PORT), '--path', '/ingest'];
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ['an image that is not there and cannot be pulled', ['--runtime', 'docker', '--service-image', 'registry.invalid/nobody/none:v1', '--service-port', '8080'], {}, /^error: image registry\.invalid\/nobody\/none:v1 is not in the local image store and cannot be pulled/],
    ['a port the service never opens', [...service.slice(0, 5), '9999', '--ready-path', '/ready', '--ready-timeout', '5', '--reps', '1', '--parallel', '1'], {}, /^error: example\.com\/ingest-service:v1 was not ready within 5 s \(GET \/ready answering 2xx on port 9999\): its last lines: .*ingest-service listening on :8080/],
    ['a body file that is missing', [...service, '--body-file', path.join(dir, 'none.json')], {}, /^error: --body-file: no such file .*none\.json$/],
    ['a sample-only field', ['--runtime', 'docker', '--scenario', path.join(dir, 'bad.yaml')], {}, /^error: .*bad\.yaml: variants\.1\.encoder: for the lab's sample only: a service scenario cannot use it \(variant gomemlimit\)$/],
  ];
  await writeFile(path.join(dir, 'bad.yaml'), scenario(', encoder: stream'));
  for (const [what, args, env, pattern] of cases) {
    const child = spawnLab([...args, '--out', path.join(dir, `bad-${cases.findIndex((c) => c[0] === what)}`)], { env });
    const result = await child;
    assert.equal(result.exitCode, 2, `${what}: ${result.stderr}`);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('error:')); // progress lines go to stderr too
    assert.equal(errors.length, 1, `${what}: one error line, got ${result.stderr}`);
    assert.match(errors[0]!, pattern, what);
    assert.equal(await containersOf(child.pid), '', `${what}: no container left`);
  }
});
