import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeResultsFixture } from '../../test/fixtures/results-fixture.js';
import type { Results } from '../model/results.js';
import { renderSvg } from './chart-kit.js';
import { renderAllCharts } from './charts.js';
import { goReleaseFamily, goReleaseSpec } from './go-release-chart.js';
import { goReleaseTable } from './go-line.js';

/** The fixture's two variants as one variant on two releases: its baseline as go1.27.3, its gomemlimit as go1.26.8. */
function onTwoReleases(): Results {
  const results = makeResultsFixture();
  const release = { baseline: '1.27.3', gomemlimit: '1.26.8' } as Record<string, string>;
  const renamed = (name: string) => `limit.go-${release[name]}`;
  for (const run of results.runs) run.variant = renamed(run.variant);
  results.variants = results.variants.map((v) => ({
    ...v,
    name: renamed(v.name),
    base: 'limit',
    axes: { go: release[v.name]! },
    go: { requested: release[v.name]!, version: `go${release[v.name]}`, experiments: [], source: 'scenario' as const, reason: 'swept' },
  }));
  return results;
}

test('the Go-release chart: one family on two releases, oldest first, with its outcomes; none for a run on one release', async () => {
  const results = onTwoReleases();
  assert.deepEqual(goReleaseFamily(results)?.map((v) => v.name), ['limit.go-1.26.8', 'limit.go-1.27.3']);
  const svg = await renderSvg(goReleaseSpec(results)!);
  assert.match(svg, /go1\.26\.8: 3\/3 survived/);
  assert.match(svg, /go1\.27\.3: 0\/3 survived/);
  assert.ok((await renderAllCharts(results)).some((chart) => chart.name === 'go-releases.svg'));
  assert.equal(goReleaseSpec(makeResultsFixture()), null);
  assert.ok(!(await renderAllCharts(makeResultsFixture())).some((chart) => chart.name === 'go-releases.svg'));
});

test('files from before the Go was recorded: the swept go axis names the release', () => {
  const results = onTwoReleases();
  for (const v of results.variants) v.go = null;
  assert.equal(goReleaseFamily(results)?.length, 2);
});

test('the Go-releases table: survival per release and Fisher\'s p, only for a run that spans releases', () => {
  const table = goReleaseTable(onTwoReleases())!;
  assert.deepEqual(table.header, ['Variant', 'go1.26.8: survived, median peak', 'go1.27.3: survived, median peak', 'Fisher p (go1.26.8 vs go1.27.3)']);
  assert.equal(table.rows.length, 1);
  assert.match(table.rows[0]![1]!, /^3\/3 \(100%/);
  assert.match(table.rows[0]![2]!, /^0\/3 \(0%/);
  assert.equal(table.rows[0]![3], '0.10'); // 3/3 against 0/3: p = 2 / C(6, 3)
  assert.equal(goReleaseTable(makeResultsFixture()), null);
});
