import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { planRuns } from './plan.js';
import { loadScenario, parseScenario } from './scenario.js';
import { SAMPLE_GO } from '../pins.js';

const ORDER_SEED_1 = ['gomemlimit-2', 'baseline-2', 'baseline-1', 'gomemlimit-1'];

test('the seed scenario plans shuffled repetitions with GOMEMLIMIT as the Downward API renders it', async () => {
  const seed = await loadScenario('seed');
  const plan = planRuns(seed, { runtime: 'docker', reps: 2 });
  // Shuffled with the scenario's orderSeed (default 1): the same order on every machine, another with another seed.
  assert.deepEqual(plan.runs.map((run) => run.id), ORDER_SEED_1);
  assert.notDeepEqual(planRuns({ ...seed, orderSeed: 7 }, { runtime: 'docker', reps: 5 }).runs.map((run) => run.id), planRuns(seed, { runtime: 'docker', reps: 5 }).runs.map((run) => run.id));
  const baseline = plan.runs.find((run) => run.variant === 'baseline');
  const gomemlimit = plan.runs.find((run) => run.variant === 'gomemlimit');
  assert.equal(baseline!.memoryLimitBytes, 419430400);
  assert.equal(baseline!.env.GOMEMLIMIT, undefined);
  assert.equal(baseline!.env.GODEBUG, 'gctrace=1');
  assert.equal(gomemlimit!.env.GOMEMLIMIT, '419430400');
  assert.equal(gomemlimit!.cpuLimitMillis, 200);
  assert.equal(gomemlimit!.request.bodyMiB, 66);
});

test('unknown variants and bad repetition counts are usage errors', async () => {
  const seed = await loadScenario('seed');
  assert.throws(() => planRuns(seed, { runtime: 'docker', variants: ['nope'] }), (error: unknown) => error instanceof UsageError && /unknown variant "nope".*baseline, gomemlimit/.test(error.message));
  assert.throws(() => planRuns(seed, { runtime: 'docker', reps: 0 }), UsageError);
  assert.throws(() => planRuns(seed, { runtime: 'docker', reps: 2.5 }), UsageError);
});

test('an unknown scenario names the known ones', async () => {
  await assert.rejects(loadScenario('nope'), (error: unknown) => error instanceof UsageError && /unknown scenario "nope".*seed/.test(error.message));
});

test('scenario validation points at the bad field', () => {
  const bad = (yaml: string, pattern: RegExp) =>
    assert.throws(() => parseScenario(yaml, 'x.yaml'), (error: unknown) => error instanceof UsageError && pattern.test(error.message));
  bad('name: x\ncontainer: {memoryLimit: 400MB}\nvariants: [{name: a}]', /container\.memoryLimit: bad memory quantity "400MB"/);
  bad('name: x\ncontainer: {cpuLimit: 2 cores}\nvariants: [{name: a}]', /container\.cpuLimit: bad cpu quantity/);
  bad('name: x\nvariants: []', /variants/);
  bad('name: x\nvariants: [{name: a}, {name: a}]', /duplicate variant "a"/);
  bad('name: x\nvariants: [{name: a, colour: red}]', /variants\.0/);
  bad('name: x\nlifecycle: forever\nvariants: [{name: a}]', /lifecycle/);
  bad('name: [unclosed', /not valid YAML/);
  const ok = parseScenario('name: x\ncontainer: {memoryLimit: 1Gi, cpuLimit: "0.5"}\nvariants: [{name: a, gomemlimitRatio: 0.9}]', 'x.yaml');
  assert.equal(ok.container.memoryLimit, 2 ** 30);
  assert.equal(ok.container.cpuLimit, 500);
  assert.equal(planRuns(ok, { runtime: 'docker' }).runs[0]!.env.GOMEMLIMIT, String(Math.floor(2 ** 30 * 0.9)));
});

test('the sample\'s Go: the pin by default, --go where the scenario names none, the scenario\'s own where it does', async () => {
  const seed = await loadScenario('seed');
  const pinned = planRuns(seed, { runtime: 'docker' });
  assert.deepEqual(pinned.variants.map((v) => [v.build.go, v.goSource]), [[SAMPLE_GO, 'pinned'], [SAMPLE_GO, 'pinned']]);
  const local = planRuns(seed, { runtime: 'docker', go: { version: 'local', source: 'flag' } });
  assert.ok(local.runs.length > 0 && local.runs.every((run) => run.build.go === 'local'));
  const own = parseScenario(
    'name: s\nvariants:\n  - { name: v1, go: "1.26.8", goexperiment: [nojsonv2] }\n  - { name: jsonv2, encoder: jsonv2, goexperiment: [jsonv2] }\n  - { name: swept, sweep: { go: ["1.27.3", local] } }\n',
    's.yaml',
  );
  const plan = planRuns(own, { runtime: 'docker', go: { version: '1.25.5', source: 'flag' } });
  const builds = Object.fromEntries(plan.variants.map((v) => [v.name, [v.build.go, v.build.experiments.join(','), v.goSource]]));
  assert.deepEqual(builds, {
    v1: ['1.26.8', 'nojsonv2', 'scenario'],
    jsonv2: ['1.25.5', 'jsonv2', 'flag'], // the encoder's experiment once, not twice
    'swept.go-1.27.3': ['1.27.3', '', 'scenario'],
    'swept.go-local': ['local', '', 'scenario'],
  });
  assert.throws(() => parseScenario('name: s\nvariants:\n  - { name: v, goexperiment: ["no json"] }\n', 's.yaml'), UsageError);
});
