import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../paths.js';
import { resultsSchema } from '../model/results.js';
import { rankVariants, recommendation, verdictContext } from './recommend.js';

// A real death-spiral run on docker here (`--scenario death-spiral --variants ratio --reps 3 --parallel 1`, the
// pinned Go), trimmed by scripts/trim-results.ts: the summaries and each repetition's outcome, without samples.
const results = resultsSchema.parse(JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/death-spiral.json'), 'utf8')));
const ratioOf = (name: string) => Number(/ratio-([\d.]+)$/.exec(name)?.[1] ?? NaN);

test('the death spiral is never shipped: the verdict recommends GOMEMLIMIT at 70–100% of the limit', () => {
  const ranked = rankVariants(results.variants);
  const pick = ranked[0]!.summary;
  const ratio = ratioOf(pick.name);
  assert.ok(ratio >= 0.7 && ratio <= 1.0, `recommended ${pick.name}`);
  for (const low of ranked.filter((r) => ratioOf(r.summary.name) <= 0.5 && r.summary.survivedRepetitions > 0)) {
    assert.ok(ranked.indexOf(low) > 0, `${low.summary.name} ranked first`);
  }
});

test('the verdict on the recorded run is four sentences at most, and says what to ship first', () => {
  const text = recommendation(results.variants, verdictContext(results));
  const sentences = text.split(/(?<=\.) (?=[A-Z])/);
  assert.ok(sentences.length <= 4, text);
  assert.match(sentences[0]!, /^Ship ratio\.body-6[68]\.ratio-(0\.[789]|1): survived /);
});
