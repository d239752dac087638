import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { loadScenario } from '../model/scenario.js';
import { EXPECTATIONS_DIR, loadBaseline, loadExpectations, parseBaseline, parseExpectations, serializeBaseline } from './expectations.js';

const FILE = path.join(os.tmpdir(), 'bad.yaml');
const SOURCE = path.relative(process.cwd(), FILE);

function assertUsage(text: string, expected: string) {
  assert.throws(
    () => parseExpectations(text, FILE),
    (error: unknown) => {
      assert.ok(error instanceof UsageError, `a UsageError, got ${String(error)}`);
      assert.equal(error.exitCode, 2);
      assert.equal(error.message, `${SOURCE}: ${expected}`);
      return true;
    },
  );
}

const entry = (body: string) => `scenario: regress\nexpectations:\n  - variant: limit-90\n    survivalRate: { atLeast: 0.95 }\n${body}`;

test('the regress expectations file loads: measured rates and the changes to catch, the peak against the stored band, on Go 1.26.8', async () => {
  const expectations = await loadExpectations('regress');
  assert.equal(expectations.scenario, 'regress');
  assert.deepEqual([expectations.go, expectations.falseAlarm, expectations.power], ['1.26.8', 0.01, 0.9]);
  assert.deepEqual(expectations.expectations, [
    { variant: 'baseline', measure: 'oomKilledRate', bound: { measured: 0.96, detect: 0.7 } },
    { variant: 'limit-90', measure: 'survivalRate', bound: { measured: 0.96, detect: 0.7 } },
    { variant: 'limit-90', measure: 'slowedRate', bound: { measured: 0.02, detect: 0.3 } },
    { variant: 'limit-90', measure: 'peakMemoryMedian', bound: { againstStored: true } },
  ]);
  assert.equal(expectations.baselineFile, path.join(EXPECTATIONS_DIR, 'regress.baseline.json'));
  // By path too, and the baseline file defaults to <scenario>.baseline.json beside it.
  const byPath = await loadExpectations(path.join(EXPECTATIONS_DIR, 'regress.yaml'));
  assert.deepEqual(byPath.expectations, expectations.expectations);
  assert.equal(parseExpectations('scenario: nightly\nexpectations:\n  - variant: a\n    survivalRate: { atMost: 1 }\n', '/x/y/e.yaml').baselineFile, '/x/y/nightly.baseline.json');
});

test('bad expectations files are usage errors naming the field', () => {
  assertUsage(entry('  - variant: baseline\n    oomKilledRate: { atLeast: 90 }\n'), 'expectations.1.oomKilledRate.atLeast: a rate is a share between 0 and 1 (0.95, not 95)');
  assertUsage(entry('  - variant: baseline\n    oomKilledRate: {}\n'), 'expectations.1.oomKilledRate: give atLeast, atMost or both');
  assertUsage(entry('  - variant: baseline\n    oomKilledRate: { atLeast: 0.9, atMost: 0.5 }\n'), 'expectations.1.oomKilledRate: atLeast is above atMost');
  assertUsage(entry('  - variant: baseline\n    oomKilledRate: { atleast: 0.9 }\n'), 'expectations.1.oomKilledRate: Unrecognized key: "atleast"');
  assertUsage(entry('  - variant: baseline\n    survivalrate: { atLeast: 0.9 }\n'), 'expectations.1: Unrecognized key: "survivalrate"');
  assertUsage(entry('  - variant: baseline\n'), 'expectations.1: give exactly one of survivalRate, oomKilledRate, slowedRate, peakMemoryMedian (got none)');
  assertUsage(
    entry('  - variant: baseline\n    survivalRate: { atMost: 0.1 }\n    oomKilledRate: { atLeast: 0.9 }\n'),
    'expectations.1: give exactly one of survivalRate, oomKilledRate, slowedRate, peakMemoryMedian (got survivalRate, oomKilledRate)',
  );
  assertUsage(entry('  - oomKilledRate: { atLeast: 0.9 }\n'), 'expectations.1.variant: Invalid input: expected string, received undefined');
  assertUsage(entry('  - variant: limit-90\n    peakMemoryMedian: { withinPercent: -1 }\n'), 'expectations.1.peakMemoryMedian.withinPercent: Too small: expected number to be >0');
  assertUsage(entry('  - variant: limit-90\n    survivalRate: { atMost: 1 }\n'), 'expectations.1.survivalRate: a second survivalRate expectation for "limit-90": put atLeast and atMost in one');
  assertUsage('expectations:\n  - variant: a\n    survivalRate: { atLeast: 1 }\n', 'scenario: Invalid input: expected string, received undefined');
  assertUsage('scenario: regress\nexpectations: []\n', 'expectations: list at least one expectation');
  assertUsage('scenario: regress\nexpectation: []\n', 'expectations: Invalid input: expected array, received undefined');
  assertUsage('scenario: Regress\nexpectations: []\n', 'scenario: use lower-case letters, digits and dashes');
  assertUsage('- just a list\n', '(top level): Invalid input: expected object, received array');
  assert.throws(() => parseExpectations('scenario: [regress\n', FILE), /bad\.yaml: not valid YAML: /);
});

test('an unknown expectations file is a usage error', async () => {
  await assert.rejects(loadExpectations('no-such-scenario'), (error: unknown) => error instanceof UsageError && /no expectations file .*no-such-scenario\.yaml/.test(error.message));
});

test('baseline files: missing is null, bad is a usage error, serialisation is stable and round-trips', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'regress-baseline-'));
  assert.equal(await loadBaseline(path.join(dir, 'none.json')), null);

  const file = path.join(dir, 'b.json');
  const baseline = { kind: { 'limit-90': { peakMemoryMedianBytes: 417_333_248, runId: 'r2' }, baseline: { peakMemoryMedianBytes: 419_430_400 } }, docker: { 'limit-90': { peakMemoryMedianBytes: 4e8 } } };
  const text = serializeBaseline(baseline);
  assert.ok(text.endsWith('}\n'));
  assert.deepEqual(Object.keys(JSON.parse(text) as object), ['docker', 'kind'], 'runtimes sorted');
  assert.deepEqual(Object.keys((JSON.parse(text) as { kind: object }).kind), ['baseline', 'limit-90'], 'variants sorted');
  await writeFile(file, text);
  assert.deepEqual(await loadBaseline(file), baseline);
  assert.equal(serializeBaseline((await loadBaseline(file))!), await readFile(file, 'utf8'));

  assert.throws(() => parseBaseline('{"kind": {"limit-90": {"peakMemoryMedianBytes": "400Mi"}}}', 'b.json'), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.equal(error.message, 'b.json: kind.limit-90.peakMemoryMedianBytes: Invalid input: expected number, received string');
    return true;
  });
  assert.throws(() => parseBaseline('{"kind": {"limit-90": {"peakMemoryMedian": 1}}}', 'b.json'), /b\.json: kind\.limit-90\.peakMemoryMedianBytes: Invalid input: expected number, received undefined/);
  assert.throws(() => parseBaseline('{', 'b.json'), /b\.json: not valid JSON/);
});

test('every expectation of regress names a variant of scenarios/regress.yaml', async () => {
  const [expectations, scenario] = await Promise.all([loadExpectations('regress'), loadScenario('regress')]);
  assert.equal(scenario.name, expectations.scenario);
  const variants = scenario.variants.map((v) => v.name);
  for (const { variant } of expectations.expectations) assert.ok(variants.includes(variant), `${variant} in ${variants.join(', ')}`);
});
