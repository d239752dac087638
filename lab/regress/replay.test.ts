import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../paths.js';
import { resultsSchema, type Results } from '../model/results.js';
import { checkExpectations } from './check.js';
import { loadBaseline, loadExpectations } from './expectations.js';

const REPLAY = path.join(REPO_ROOT, 'test', 'fixtures', 'regress-replay');

/** A stored docker run of the regress scenario (scripts/trim-results.ts), replayed through the shipped gate. */
async function replay(name: string): Promise<Results> {
  return resultsSchema.parse(JSON.parse(await readFile(path.join(REPLAY, `${name}.json`), 'utf8')));
}

/** The shipped expectations, with the peaks stored when the fixtures were made (a later --update-baseline moves the band). */
async function judge(name: string) {
  const expectations = await loadExpectations('regress');
  return checkExpectations(await replay(name), expectations, await loadBaseline(path.join(REPLAY, 'baseline.json')));
}

// good: a docker run of 21 per variant on Go 1.26.8 (limit-90 18/21, baseline killed 20/21), not the run the peaks
// in baseline.json were recorded from (21/21, 21/21); body-plus-10: the same scenario with a 72.6 MiB body.
test('the shipped gate passes a stored good run that was not the one its peaks were recorded from', async () => {
  const outcome = await judge('good');
  assert.equal(outcome.passed, true, outcome.checks.filter((c) => !c.passed).map((c) => c.reason).join('\n'));
  assert.ok(outcome.checks.every((check) => !check.skipped), 'every check judged, the peak band included');
});

test('the shipped gate fails a stored real regression: the body grown 10% (72.6 MiB)', async () => {
  const outcome = await judge('body-plus-10');
  assert.equal(outcome.passed, false);
  const failed = outcome.checks.filter((check) => !check.passed).map((check) => check.reason);
  assert.ok(failed.some((reason) => /^limit-90: survival \d+\/21 is the change the gate catches/.test(reason)), failed.join('\n'));
});
