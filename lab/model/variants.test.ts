import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { planRuns } from './plan.js';
import { listScenarios, loadScenario, parseScenario } from './scenario.js';
import { resolveVariants } from './variants.js';

const base = `
name: s
container: { memoryLimit: 400Mi, memoryRequest: 200Mi }
request: { bodyMiB: 66 }
reps: 2
`;

test('every scenario shipped in scenarios/ is valid', async () => {
  const names = await listScenarios();
  assert.ok(names.includes('fixes') && names.includes('frontier') && names.includes('regress'));
  for (const name of names) await loadScenario(name);
});

test('a sweep expands every variant over every combination, with the axes in its name and settings', () => {
  const scenario = parseScenario(
    `${base}
variants:
  - { name: base }
  - { name: capped, gomemlimitRatio: 0.9 }
sweep:
  memoryLimit: [300Mi, 1Gi]
  go: ["1.19.13", local]
`,
    's.yaml',
  );
  const variants = resolveVariants(scenario);
  assert.deepEqual(
    variants.map((v) => v.name),
    ['base.limit-300mi.go-1.19.13', 'base.limit-300mi.go-local', 'base.limit-1gi.go-1.19.13', 'base.limit-1gi.go-local',
      'capped.limit-300mi.go-1.19.13', 'capped.limit-300mi.go-local', 'capped.limit-1gi.go-1.19.13', 'capped.limit-1gi.go-local'],
  );
  const capped = variants.find((v) => v.name === 'capped.limit-300mi.go-1.19.13')!;
  assert.deepEqual(capped.axes, { limit: '300Mi', go: '1.19.13' });
  assert.equal(capped.memoryLimitBytes, 300 * 2 ** 20);
  assert.deepEqual(capped.build, { go: '1.19.13', experiments: [] });
  const runs = planRuns(scenario, { runtime: 'docker', variants: ['capped'] }).runs;
  assert.equal(runs.length, 8);
  // GOMEMLIMIT follows the swept limit, and the memory request never exceeds it.
  assert.equal(runs[0]!.env.GOMEMLIMIT, String(Math.floor(300 * 2 ** 20 * 0.9)));
  assert.equal(runs[0]!.memoryRequestBytes, 200 * 2 ** 20);
  const small = parseScenario(`${base}\nvariants: [{ name: v }]\nsweep: { memoryLimit: [100Mi] }\n`, 's.yaml');
  assert.equal(planRuns(small, { runtime: 'kind' }).runs[0]!.memoryRequestBytes, 100 * 2 ** 20);
});

test('encoders pick the endpoint and the build; GOGC, ratio "none" and concurrency resolve', () => {
  const scenario = parseScenario(
    `${base}
variants:
  - { name: v2, encoder: jsonv2, gogc: 50 }
  - { name: plain, path: /bulk/chunked, gomemlimitRatio: 1 }
sweep:
  gomemlimitRatio: [none, 0.8]
  concurrency: [1, 3]
`,
    's.yaml',
  );
  const variants = resolveVariants(scenario);
  const v2 = variants.find((v) => v.name === 'v2.conc-3.ratio-none')!;
  assert.equal(v2.path, '/bulk/jsonv2');
  assert.deepEqual(v2.build.experiments, ['jsonv2']);
  assert.equal(v2.env.GOGC, '50');
  assert.equal(v2.gomemlimitRatio, null);
  assert.equal(variants.find((v) => v.name === 'plain.conc-1.ratio-0.8')!.gomemlimitRatio, 0.8);
  assert.equal(variants.find((v) => v.name === 'plain.conc-1.ratio-0.8')!.path, '/bulk/chunked');
  const run = planRuns(scenario, { runtime: 'docker', variants: ['v2.conc-3.ratio-none'] }).runs[0]!;
  assert.equal(run.request.concurrency, 3);
  assert.equal(run.request.count, 3, 'count rises to the concurrency');
  assert.equal(run.env.GOMEMLIMIT, undefined);
});

test('bad sweeps and variant settings are usage errors naming the field', () => {
  const bad = (yaml: string, pattern: RegExp) =>
    assert.throws(() => planRuns(parseScenario(`${base}${yaml}`, 's.yaml'), { runtime: 'docker' }), (error: unknown) => error instanceof UsageError && pattern.test(error.message));
  bad('variants: [{ name: v }]\nsweep: { memoryLimit: [400MB] }\n', /sweep\.memoryLimit\.0: .*400MB/);
  bad('variants: [{ name: v }]\nsweep: { encoder: [protobuf] }\n', /sweep\.encoder\.0/);
  bad('variants: [{ name: v }]\nsweep: { go: ["1.x"] }\n', /sweep\.go\.0: use "local" or a Go release/);
  bad('variants: [{ name: v, gogc: fast }]\n', /variants\.0\.gogc: use a whole number/);
  bad('variants: [{ name: v }]\nsweep: { colour: [red] }\n', /sweep: .*colour/i);
  bad('variants: [{ name: v }]\nfrontier: { minMiB: 100, maxMiB: 50 }\n', /frontier.*minMiB must be below/);
  bad(`variants: [{ name: a-very-long-variant-name-for-sure }]\nsweep: { memoryLimit: [300Mi], go: ["1.19.13"], encoder: [jsonv2-stream] }\n`, /longer than 56 characters/);
});

test('a frontier scenario plans no fixed runs; --reps sets the repetitions per probe', async () => {
  const scenario = await loadScenario('frontier');
  const plan = planRuns(scenario, { runtime: 'docker', reps: 3 });
  assert.equal(plan.runs.length, 0);
  assert.equal(plan.frontier?.repsPerProbe, 3);
  assert.equal(planRuns(scenario, { runtime: 'docker' }).frontier?.repsPerProbe, scenario.frontier!.repsPerProbe);
});

test('cpu axes: a swept cpuLimit reaches each repetition with its request capped, GOMAXPROCS and LEAK_MIB reach the env', () => {
  const scenario = parseScenario(
    `${base}
variants:
  - { name: plain }
  - { name: leaky, leakMiB: 4, cpuLimit: 500m }
sweep:
  cpuLimit: [200m, "1"]
  gomaxprocs: [1, 8]
`,
    's.yaml',
  );
  const variants = resolveVariants(scenario);
  assert.equal(variants.length, 8);
  const plain = variants.find((v) => v.name === 'plain.cpu-1000m.procs-8')!;
  assert.deepEqual([plain.cpuLimitMillis, plain.env.GOMAXPROCS, plain.axes], [1000, '8', { cpu: '1000m', procs: '8' }]);
  assert.equal(variants.find((v) => v.name === 'leaky.cpu-200m.procs-1')!.env.LEAK_MIB, '4');
  const plan = planRuns(scenario, { runtime: 'docker', reps: 1 });
  const slow = plan.runs.find((run) => run.variant === 'plain.cpu-200m.procs-1')!;
  assert.deepEqual([slow.cpuLimitMillis, slow.cpuRequestMillis], [200, 100]);
  const unswept = resolveVariants(parseScenario(`${base}\nvariants:\n  - { name: own, cpuLimit: 50m }\n`, 's.yaml'));
  assert.equal(unswept[0]!.cpuLimitMillis, 50);
  assert.equal(planRuns(parseScenario(`${base}\nvariants:\n  - { name: own, cpuLimit: 50m }\n`, 's.yaml'), { runtime: 'docker' }).runs[0]!.cpuRequestMillis, 50);
  assert.throws(() => parseScenario(`${base}\nvariants:\n  - { name: bad, gomaxprocs: 0 }\n`, 's.yaml'), UsageError);
});
