import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { serviceOverlay } from './service-flags.js';
import { planRuns } from './plan.js';
import { loadScenario, parseScenario } from './scenario.js';
import { mergeGodebug } from './service.js';

const SERVICE = `
name: mine
container: { memoryLimit: 256Mi, memoryRequest: 128Mi }
service:
  image: example.com/ingest-service:v1
  port: 8080
  readiness: { path: /ready }
  env: { GODEBUG: "madvdontneed=1,gctrace=0", APP_MODE: batch }
  args: [--workers, "1"]
  requests:
    targets:
      - { method: POST, path: /ingest, headers: { Content-Type: application/json }, bodyFile: doc.json }
    count: 3
    rate: 2
    concurrency: 1
`;

const usage = (pattern: RegExp) => (error: unknown) => error instanceof UsageError && pattern.test(error.message);

test('GODEBUG: the service keeps its settings in order, gctrace=1 replaces its own gctrace, a variant adds to it', () => {
  assert.equal(mergeGodebug([undefined], { gctrace: '1' }), 'gctrace=1');
  assert.equal(mergeGodebug(['madvdontneed=1,gctrace=0'], { gctrace: '1' }), 'madvdontneed=1,gctrace=1');
  assert.equal(mergeGodebug(['madvdontneed=1', 'madvdontneed=0, asyncpreemptoff=1'], { gctrace: '1' }), 'madvdontneed=0,asyncpreemptoff=1,gctrace=1');
  assert.equal(mergeGodebug([' , x ,'], { gctrace: '1' }), 'x,gctrace=1');
});

test('a service scenario: its requests drive the run, its env and GODEBUG merge with each variant, its image and port replace the sample', () => {
  const scenario = parseScenario(`${SERVICE}variants:\n  - { name: baseline }\n  - { name: limit-90, gomemlimitRatio: 0.9, env: { GODEBUG: "invalidptr=0" } }\n`, 'mine.yaml');
  assert.deepEqual([scenario.request.path, scenario.request.count, scenario.request.intervalSeconds], ['/ingest', 3, 0.5]);
  const plan = planRuns(scenario, { runtime: 'docker' });
  const baseline = plan.runs.find((run) => run.variant === 'baseline')!;
  const limited = plan.runs.find((run) => run.variant === 'limit-90')!;
  assert.deepEqual(baseline.env, { GODEBUG: 'madvdontneed=1,gctrace=1', APP_MODE: 'batch' }); // no DATASET_SEED: that is the sample's
  assert.deepEqual(limited.env, { GODEBUG: 'madvdontneed=1,gctrace=1,invalidptr=0', APP_MODE: 'batch', GOMEMLIMIT: String(Math.floor(256 * 2 ** 20 * 0.9)) });
  assert.deepEqual(baseline.workload, {
    kind: 'service',
    image: 'example.com/ingest-service:v1',
    port: 8080,
    args: ['--workers', '1'],
    readiness: { path: '/ready', log: null, timeoutSeconds: 60 },
    env: {},
    targets: [{ method: 'POST', path: '/ingest', headers: { 'Content-Type': 'application/json' }, bodyFile: 'doc.json' }],
  });
});

test('the sample keeps its own workload: port 5500, /healthz after its "listening" line, GET with the body size', () => {
  const plan = planRuns(parseScenario('name: s\nrequest: { path: /bulk/stream, bodyMiB: 12 }\nvariants: [{ name: a }]\n', 's.yaml'), { runtime: 'docker' });
  const [run] = plan.runs;
  assert.deepEqual([run!.workload.kind, run!.workload.image, run!.workload.port], ['sample', null, 5500]);
  assert.deepEqual(run!.workload.targets, [{ method: 'GET', path: '/bulk/stream?mib=12', headers: {} }]);
  assert.deepEqual(run!.workload.env, { BODY_MIB: '12' });
  assert.equal(run!.env.DATASET_SEED, '1');
});

test('sample-only fields in a service scenario are refused by name', () => {
  const variants = (variant: string) => `${SERVICE}variants:\n  - ${variant}\n`;
  assert.throws(() => parseScenario(variants('{ name: a, encoder: stream }'), 'mine.yaml'), usage(/^mine\.yaml: variants\.0\.encoder: for the lab's sample only.*\(variant a\)$/));
  assert.throws(() => parseScenario(variants('{ name: a, bodyMiB: 8 }'), 'mine.yaml'), usage(/variants\.0\.bodyMiB: for the lab's sample only/));
  assert.throws(() => parseScenario(variants('{ name: a, env: { AUTOMEMLIMIT: "0.9" } }'), 'mine.yaml'), usage(/variants\.0\.env\.AUTOMEMLIMIT: switches the lab's sample only/));
  assert.throws(() => parseScenario(variants('{ name: a, sweep: { go: ["1.24.13"] } }'), 'mine.yaml'), usage(/variants\.0\.sweep\.go: for the lab's sample only/));
  assert.throws(() => parseScenario(`${SERVICE}request: { bodyMiB: 3 }\nvariants: [{ name: a }]\n`, 'mine.yaml'), usage(/^mine\.yaml: request: for the lab's sample only/));
  assert.throws(() => parseScenario(`${SERVICE}variants: [{ name: a }]\nsweep: { encoder: [marshal] }\n`, 'mine.yaml'), usage(/sweep\.encoder: for the lab's sample only/));
  assert.throws(() => parseScenario(`${SERVICE}variants: [{ name: a }]\nfrontier: { minMiB: 8, maxMiB: 64 }\n`, 'mine.yaml'), usage(/^mine\.yaml: frontier: for the lab's sample only \(it searches the sample's body size/));
  assert.equal(parseScenario(`${SERVICE}variants: [{ name: a }]\nfrontier: { over: memoryLimit, minMiB: 64, maxMiB: 1024 }\n`, 'mine.yaml').frontier!.targetSurvival, 0.95);
  // The same fields are the sample's own business without a service block.
  assert.doesNotThrow(() => parseScenario('name: s\nrequest: { bodyMiB: 3 }\nvariants: [{ name: a, encoder: stream, env: { AUTOMEMLIMIT: "0.9" } }]\n', 's.yaml'));
});

test('a body file is found beside the scenario; a missing one is named', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lab-service-'));
  await writeFile(path.join(dir, 'mine.yaml'), `${SERVICE}variants: [{ name: a }]\n`);
  await assert.rejects(loadScenario(path.join(dir, 'mine.yaml')), usage(/service\.requests\.targets\.0\.bodyFile: no such file .*doc\.json$/));
  await writeFile(path.join(dir, 'doc.json'), '{}');
  const scenario = await loadScenario(path.join(dir, 'mine.yaml'));
  assert.equal(scenario.service!.requests.targets[0]!.bodyFile, path.join(dir, 'doc.json'));
});

test('--service-image on a scenario: its variants and limits, the flags as the service; bad flags get one line', async () => {
  const options = { scenario: 'seed', runtime: 'docker' as const };
  const overlay = serviceOverlay({ ...options, serviceImage: 'example.com/ingest-service:v1', servicePort: 8080, path: '/export' });
  const seed = await loadScenario('seed', undefined, overlay);
  assert.deepEqual(seed.variants.map((variant) => [variant.name, variant.gomemlimitRatio]), [['baseline', undefined], ['gomemlimit', 1]]);
  assert.equal(seed.container.memoryLimit, 400 * 2 ** 20);
  assert.deepEqual(seed.service!.requests.targets, [{ method: 'GET', path: '/export', headers: {} }]);
  assert.equal(seed.service!.readiness, undefined);
  await assert.rejects(loadScenario('encoders', undefined, overlay), usage(/sweep\.encoder: for the lab's sample only/));
  // On a scenario whose variants include the sample's own (sizing's stream), those are left out, and it says so.
  const sizing = await loadScenario('sizing', undefined, overlay);
  assert.deepEqual(sizing.variants.map((variant) => variant.name), ['baseline', 'limit-90']);
  assert.match(sizing.description, /\(for the service, without stream: the sample's own\)$/);
  assert.throws(() => serviceOverlay({ ...options, serviceImage: 'x:v1' }), usage(/^--service-image needs --service-port N/));
  assert.throws(() => serviceOverlay({ ...options, path: '/x' }), usage(/^--path is for a service: give --service-image REF too$/));
  assert.throws(() => serviceOverlay({ ...options, serviceImage: 'x:v1', servicePort: 1, readyPath: '/r', readyLog: 'up' }), usage(/give one of them/));
  assert.deepEqual(serviceOverlay({ ...options, serviceImage: 'x:v1', servicePort: 1, bodyFile: 'b.json' })!.service.requests, { targets: [{ method: 'POST', path: '/', bodyFile: 'b.json' }] });
});

test('a target cannot smuggle lines into vegeta\'s targets: CR or LF in a header, path or body file is refused', () => {
  const withTarget = (target: string) => SERVICE.replace('{ method: POST, path: /ingest, headers: { Content-Type: application/json }, bodyFile: doc.json }', target) + 'variants: [{ name: a }]\n';
  assert.throws(() => parseScenario(withTarget('{ path: /x, headers: { X-A: "1\\r\\nGET http://example.com/" } }'), 'mine.yaml'), usage(/headers\.X-A: a header value must be one line: no CR or LF/));
  assert.throws(() => parseScenario(withTarget('{ path: "/x\\nGET http://example.com/" }'), 'mine.yaml'), usage(/path: a path must be one line/));
  assert.throws(() => parseScenario(withTarget('{ path: /x, bodyFile: "doc.json\\n@/etc/passwd" }'), 'mine.yaml'), usage(/bodyFile: a body file must be one line/));
  assert.throws(() => parseScenario(withTarget('{ path: "/a b" }'), 'mine.yaml'), usage(/a path has no spaces/));
  assert.throws(() => parseScenario(withTarget('{ path: /x, headers: { "X A": "1" } }'), 'mine.yaml'), usage(/a header name is a token/));
  assert.doesNotThrow(() => parseScenario(withTarget('{ path: "/x?a=1&b=%20", headers: { X-Trace: "a b; c=d" } }'), 'mine.yaml'));
});
