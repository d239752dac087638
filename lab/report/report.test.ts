import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeResultsFixture } from '../../test/fixtures/results-fixture.js';
import { makeFrontierFixture } from '../../test/fixtures/frontier-fixture.js';
import { CHART_TITLES, downsample, renderAllCharts, renderHeapPerCycleSvg, renderMemoryTimelineSvg, renderSurvivalSvg, splitAtGaps } from './charts.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { renderComparison } from './compare.js';
import { resultsSchema, type Results } from '../model/results.js';
import { readResults, writeReports } from './write.js';

const CHART_LINKS = [
  { name: 'charts/heap-per-cycle.svg', title: CHART_TITLES.heapPerCycle },
  { name: 'charts/memory-timeline.svg', title: CHART_TITLES.memoryTimeline },
  { name: 'charts/survival.svg', title: CHART_TITLES.survival },
];

function assertSvgChart(svg: string, title: string, ...texts: string[]): void {
  assert.ok(svg.startsWith('<svg'), 'starts with <svg');
  assert.ok(svg.trimEnd().endsWith('</svg>'), 'ends with </svg>');
  assert.ok(svg.includes(title), `contains the title "${title}"`);
  assert.ok(svg.includes('<path'), 'has path marks');
  for (const text of texts) assert.ok(svg.includes(text), `contains "${text}"`);
}

describe('results fixture', () => {
  test('the schema accepts it', () => {
    const fixture = makeResultsFixture();
    assert.deepEqual(resultsSchema.parse(fixture), fixture);
  });

  test('it reproduces the seed: baseline killed at 309->309->260, gomemlimit surviving at 359->359->197', () => {
    const fixture = makeResultsFixture();
    const last = (variant: string) => fixture.runs.find((r) => r.variant === variant)!.processes[0]!.gcCycles.at(-1)!;
    assert.deepEqual([last('baseline').heapStartMB, last('baseline').liveMB, last('baseline').goalMB], [309, 260, 234]);
    assert.deepEqual([last('gomemlimit').heapStartMB, last('gomemlimit').liveMB, last('gomemlimit').goalMB], [359, 197, 330]);
    assert.equal(fixture.variants[0]!.survivedRepetitions, 0);
    assert.equal(fixture.variants[1]!.survivedRepetitions, fixture.variants[1]!.repetitions);
  });
});

describe('charts', () => {
  const results = makeResultsFixture();

  test('heap per cycle: a real SVG with the limit and GOMEMLIMIT rules', async () => {
    const svg = await renderHeapPerCycleSvg(results);
    assertSvgChart(svg, CHART_TITLES.heapPerCycle, 'limit 400 MiB', 'GOMEMLIMIT 400 MiB', 'Go heap (MiB)', 'heap goal', 'rep 3 #0 (OOMKilled)');
  });

  test('memory timeline: a real SVG with the limit rule and a legend per variant', async () => {
    const svg = await renderMemoryTimelineSvg(results);
    assertSvgChart(svg, CHART_TITLES.memoryTimeline, 'limit 400 MiB', 'container memory (MiB)', 'baseline', 'gomemlimit');
  });

  test('survival: a real SVG with a percent axis', async () => {
    const svg = await renderSurvivalSvg(results);
    assertSvgChart(svg, CHART_TITLES.survival, '100%', '0/3 survived (0%)', '3/3 survived (100%)');
  });

  test('renderAllCharts returns the three charts in order, about blog width', async () => {
    const charts = await renderAllCharts(results);
    assert.deepEqual(
      charts.map((c) => c.name),
      ['heap-per-cycle.svg', 'memory-timeline.svg', 'survival.svg'],
    );
    for (const chart of charts) {
      const width = Number(/^<svg[^>]* width="(\d+(?:\.\d+)?)"/.exec(chart.svg)?.[1]);
      assert.ok(width >= 550 && width <= 720, `${chart.name} is ${width} px wide`);
    }
  });

  test('downsample keeps at most maxPoints, in time order, with the peak and the drop', () => {
    const samples: [number, number][] = Array.from({ length: 2000 }, (_, i) => [i * 50, i === 1234 ? 999 : i < 1500 ? 100 : 0]);
    const kept = downsample(samples, 600);
    assert.ok(kept.length <= 600 && kept.length > 200);
    assert.ok(kept.every((s, i) => i === 0 || s[0] > kept[i - 1]![0]));
    assert.ok(kept.some(([, v]) => v === 999), 'keeps the peak');
    assert.ok(kept.some(([, v]) => v === 0), 'keeps the drop');
    assert.equal(downsample(samples.slice(0, 10)).length, 10);
  });
});

describe('markdown', () => {
  test('has the verdict, the summary table and a row per variant', () => {
    const md = renderMarkdown(makeResultsFixture(), CHART_LINKS);
    assert.match(md, /^# GOMEMLIMIT lab: seed$/m);
    // The verdict names the fix to ship with its evidence, and the unfixed baseline for comparison.
    assert.ok(md.includes('Ship gomemlimit: survived 3/3 (100%, 95% CI 44–100%)'), md.slice(0, 600));
    assert.ok(md.includes('baseline survived 0/3 (0%, 95% CI 0–56%); every OOM kill: heap goal above the limit.'), md.slice(0, 900));
    assert.ok(md.includes('| # | Variant | GOMEMLIMIT | Survived | OOM kills | Peak memory (median / max) |'));
    // Ranked: the surviving variant first; the detail table keeps the same order.
    assert.match(md, /^\| 2 \| baseline \| — \| 0\/3 \(0%, 95% CI 0–56%\) \| 3 \| .* MiB \(0\.3% headroom\) \|$/m);
    assert.match(md, /^\| 1 \| gomemlimit \| 400\.0 MiB \| 3\/3 \(100%, 95% CI 44–100%\) \| 0 \| .* MiB \(\d+\.\d% headroom\) \|$/m);
    assert.ok(md.includes('| Variant | Restarts | GC cycles (median per rep) | Heap goal at last cycle before kill | GC CPU | Latency p50 / p95 | Errors |'));
    assert.match(md, /^\| baseline \| 1 \| 15 \| 234 MB \| .* \| eof×3 \|$/m);
    assert.match(md, /^\| gomemlimit \| 0 \| 20 \| — \| .* \| 17\.40 s \/ 18\.03 s \| none \|$/m);
    assert.ok(md.indexOf('| gomemlimit | 0 | 20') < md.indexOf('| baseline | 1 | 15'));
    // One median peak: the verdict's figure is the table's, to the same decimal.
    const verdictPeak = /Ship gomemlimit: .*?median peak (\d+\.\d MiB)/.exec(md)?.[1];
    assert.ok(verdictPeak && md.includes(`| ${verdictPeak} / `), 'the verdict and the table print one median peak');
    assert.ok(md.includes('![Go heap per GC cycle vs the container limit](charts/heap-per-cycle.svg)'));
    assert.match(md, /^\| baseline-1 \| baseline \| ✗ OOM-killed \| heap goal above the limit: killed at 399\.\d MiB: no GOMEMLIMIT, and the next goal, 520 MB \(GOGC=100\), was above the 400 MiB limit; .* \(evidence: cgroup oom_kill counter, runtime label OOMKilled\) \| 0\/1 \| exit 137 OOMKilled \| 0 \|/m);
    assert.ok(md.includes('309->309->260 MB, 234 MB goal'));
    assert.ok(md.includes('359->359->197 MB, 330 MB goal'));
    assert.ok(md.includes('go go1.23.4, docker 27.3.1, vegeta 12.12.0'));
    assert.ok(md.includes('cgroup v2, transparent huge pages madvise, 8 CPUs'), 'the host line names the THP mode');
    assert.ok(!md.includes('Incomplete run'));
  });

  test('warns at the top when the run is incomplete', () => {
    const md = renderMarkdown(makeResultsFixture({ complete: false, incompleteReason: 'interrupted by SIGINT' }), CHART_LINKS);
    const warning = md.indexOf('Incomplete run: interrupted by SIGINT');
    assert.ok(warning > 0 && warning < md.indexOf('## Setup'));
  });

  test("says which killed repetitions' peaks came from their pod's cgroup", () => {
    const results = makeResultsFixture();
    assert.ok(!renderMarkdown(results, []).includes("from the pod's cgroup"));
    results.runs[0]!.memory.peakFrom = 'pod';
    assert.ok(renderMarkdown(results, []).includes("; the peak of 1 killed repetition from the pod's cgroup, which outlives the kill"));
  });

  test('escapes | in table cells', () => {
    const results = makeResultsFixture();
    results.runs[0]!.terminations[0]!.reason = 'OOMKilled|odd';
    const md = renderMarkdown(results, []);
    assert.ok(md.includes('exit 137 OOMKilled\\|odd'));
    assert.ok(!md.includes('## Charts'));
  });
});

describe('html', () => {
  let charts: Awaited<ReturnType<typeof renderAllCharts>>;
  before(async () => {
    charts = await renderAllCharts(makeResultsFixture());
  });

  test('is self-contained, inlines the three SVGs and escapes data', () => {
    const results = makeResultsFixture();
    results.variants[0]!.description = 'tries <b>bold</b> & more';
    const html = renderHtml(results, charts);
    assert.ok(html.startsWith('<!doctype html>'));
    assert.ok(!/src="http/i.test(html) && !/<script\b/i.test(html) && !/<link\b/i.test(html), 'no external resources');
    assert.equal(html.match(/<svg\b/g)?.length, 3);
    assert.ok(html.includes('tries &lt;b&gt;bold&lt;/b&gt; &amp; more'));
    assert.ok(!html.includes('<b>bold'));
    assert.ok(html.includes('<th>GOMEMLIMIT</th>'));
    assert.ok(html.includes('309-&gt;309-&gt;260 MB, 234 MB goal'));
    assert.ok(!html.includes('Incomplete run'));
  });

  test('shows the incomplete warning', () => {
    const html = renderHtml(makeResultsFixture({ complete: false, incompleteReason: 'docker <died>' }), charts);
    assert.ok(html.includes('Incomplete run: docker &lt;died&gt;'));
  });
});

describe('writeReports / readResults', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomemlimit-report-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes every file and reads results.json back', async () => {
    const results = makeResultsFixture();
    const written = await writeReports(dir, results);
    const charts = ['heap-per-cycle', 'memory-timeline', 'survival'].flatMap((c) => [`charts/${c}.svg`, `charts/${c}.png`]);
    const expected = ['results.json', 'report.md', 'report.html', ...charts];
    assert.deepEqual([...written].sort(), expected.map((f) => path.join(dir, f)).sort());
    for (const file of written) assert.ok((await readFile(file, 'utf8')).length > 100, `${file} has content`);
    assert.ok((await readFile(path.join(dir, 'report.md'), 'utf8')).includes('](charts/survival.svg)'));
    assert.deepEqual(await readResults(dir), results);
  });

  test('a schema version 1 file still reads: each repetition gets its outcome, thrashed reads as slowed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gomemlimit-report-v1-'));
    try {
      const current = makeResultsFixture();
      const v1 = {
        ...current,
        schemaVersion: 1,
        retried: undefined,
        variants: current.variants.map(({ slowedRepetitions, slowing, harnessFaults, ...v }) => ({ ...v, thrashedRepetitions: slowedRepetitions, thrashing: slowing })),
        runs: current.runs.map(({ outcome, cause, killEvidence, attempt, ...run }) => ({ ...run, thrashed: run.id === 'gomemlimit-2' })),
      };
      await writeFile(path.join(dir, 'results.json'), JSON.stringify(v1));
      const read = await readResults(dir);
      assert.equal(read.schemaVersion, 2);
      assert.deepEqual(read.runs.map((run) => run.outcome), ['oom-killed', 'oom-killed', 'oom-killed', 'survived', 'slowed', 'survived']);
      assert.match(read.runs[0]!.cause, /read from a schema version 1 file/);
      assert.ok(renderMarkdown(read, CHART_LINKS).includes('Ship gomemlimit'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('refuses to write invalid results', async () => {
    const bad = { ...makeResultsFixture(), runId: 42 } as unknown as Results;
    await assert.rejects(writeReports(dir, bad), /refusing to write invalid results: runId/);
  });

  test('a missing, malformed or other-version results.json gives one clear line', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'gomemlimit-report-empty-'));
    try {
      await assert.rejects(readResults(empty), /no results\.json in .*: is it a lab run folder\?/);
      await writeFile(path.join(empty, 'results.json'), '{"schemaVersion": 1, ');
      await assert.rejects(readResults(empty), /is not valid JSON/);
      await writeFile(path.join(empty, 'results.json'), JSON.stringify({ ...makeResultsFixture(), schemaVersion: 3 }));
      await assert.rejects(readResults(empty), (error: Error) => {
        assert.match(error.message, /has schemaVersion 3, but this lab reads schemaVersion 1 and 2/);
        assert.ok(!error.message.includes('\n'));
        return true;
      });
      await writeFile(path.join(empty, 'results.json'), JSON.stringify({ ...makeResultsFixture(), runs: 'none' }));
      await assert.rejects(readResults(empty), /does not match results schema version 2: runs: /);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

test('memory samples split where sampling paused, so a kill and a restart leave a gap', () => {
  const samples: [number, number][] = [[0, 1], [50, 2], [100, 3], [2100, 1], [2150, 2]];
  assert.deepEqual(splitAtGaps(samples), [[[0, 1], [50, 2], [100, 3]], [[2100, 1], [2150, 2]]]);
  assert.deepEqual(splitAtGaps([]), []);
});

describe('frontier report', () => {
  test('markdown and HTML carry the frontier table and a verdict naming each bracket', () => {
    const results = makeFrontierFixture();
    const md = renderMarkdown(results, []);
    const first = results.frontier![0]!;
    assert.match(md, /^## Frontier$/m);
    assert.ok(md.includes(`| ${first.variant} | ${first.frontierMiB} MiB | ${first.failedMiB} MiB |`), md);
    assert.match(md.split('\n')[2]!, /^\*\*Go:\*\* Sample built with go1\.26\.8: chosen with --go\.$/); // the Go first, then the verdict
    assert.match(md.split('\n')[4]!, new RegExp(`^Largest JSON body that still survives, .*${first.variant} survives ≥ 90% up to ${first.frontierMiB} MiB`));
    assert.ok(md.indexOf('## Frontier') < md.indexOf('## Results'));
    const html = renderHtml(results, []);
    assert.ok(html.includes('<h2>Frontier</h2>'));
  });
});

describe('the Go that built the sample', () => {
  const go = (version: string, source: 'pinned' | 'scenario' | 'fallback', reason: string) => ({ requested: version.slice(2), version, experiments: [], source, reason });

  test('one release: named with its reason before the verdict, in markdown, HTML and the setup', () => {
    const results = makeResultsFixture();
    for (const v of results.variants) v.go = go('go1.27.3', 'pinned', "the lab's pinned default");
    const md = renderMarkdown(results, []);
    assert.equal(md.split('\n')[2], "**Go:** Sample built with go1.27.3: the lab's pinned default.");
    assert.match(md, /^- \*\*Go:\*\* Sample built with go1\.27\.3/m);
    assert.match(renderHtml(results, []), /<p class="go"><strong>Go:<\/strong> Sample built with go1\.27\.3/);
  });

  test('two releases say so; a variant not built on its release is named with the reason; a service has no Go line', () => {
    const results = makeResultsFixture({ notApplicable: [{ variant: 'jsonv2.go-1.24.0', go: 'go1.24.0', reason: 'go1.24.0 GOEXPERIMENT=jsonv2: unknown GOEXPERIMENT jsonv2' }] });
    results.variants[0]!.go = go('go1.26.8', 'scenario', "set by the scenario's go: field");
    results.variants[1]!.go = go('go1.27.3', 'scenario', "set by the scenario's go: field");
    const line = renderMarkdown(results, []).split('\n')[2]!;
    assert.match(line, /go1\.26\.8, go1\.27\.3: set by the scenario's go: field\. Survival near the limit differs between Go releases/);
    assert.match(line, /Not applicable on their Go release, so not run: jsonv2\.go-1\.24\.0 \(go1\.24\.0 GOEXPERIMENT=jsonv2: unknown GOEXPERIMENT jsonv2\)/);
    const service = makeResultsFixture();
    for (const v of service.variants) v.go = null;
    assert.doesNotMatch(renderMarkdown(service, []), /\*\*Go:\*\*/);
  });

  test('compare says first when the two runs used different Go releases, and nothing when they did not', () => {
    const before = makeResultsFixture();
    const after = makeResultsFixture();
    for (const v of after.variants) v.go = go('go1.27.3', 'pinned', 'pin');
    assert.match(renderComparison(before, after, ['a', 'b']).split('\n')[0]!, /^> \*\*Different Go releases: before go1\.26\.8, after go1\.27\.3\./);
    assert.match(renderComparison(before, before, ['a', 'b']).split('\n')[0]!, /^# Comparison/);
  });
});
