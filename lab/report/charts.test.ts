// PNG output, the frontier chart and the readability of the per-variant charts.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeFrontierFixture } from '../../test/fixtures/frontier-fixture.js';
import { makeResultsFixture } from '../../test/fixtures/results-fixture.js';
import {
  CHART_TITLES,
  chartVariants,
  frontierSpec,
  frontierText,
  heapPerCycleSpec,
  renderAllCharts,
  renderFrontierSvg,
  renderHeapPerCycleSvg,
  renderSvg,
  textWidth,
  widestGapCentre,
  wrapTokens,
} from './charts.js';
import { defaultFontFiles, svgToPng } from './png.js';
import type { Results, RunRecord, VariantSummary } from '../model/results.js';
import { writeReports } from './write.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE, 'PNG signature');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  assert.equal(new TextDecoder().decode(png.subarray(12, 16)), 'IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function svgSize(svg: string): { width: number; height: number } {
  const root = /^<svg[^>]*>/.exec(svg)?.[0] ?? '';
  return { width: Number(/ width="([\d.]+)"/.exec(root)?.[1]), height: Number(/ height="([\d.]+)"/.exec(root)?.[1]) };
}

/** Every <path> of a line mark, as [its accessible label, its dash array]. */
function linePaths(svg: string): [string, string][] {
  return [...svg.matchAll(/<path\b[^>]*aria-roledescription="line mark"[^>]*>/g)].map((m) => [
    /aria-label="([^"]*)"/.exec(m[0])?.[1] ?? '',
    /stroke-dasharray="([^"]*)"/.exec(m[0])?.[1] ?? '',
  ]);
}

/** The fix matrix: 8 variants, two of them with long swept names and their own memory limit. */
function eightVariants(): Results {
  const base = makeResultsFixture();
  const names = ['baseline', 'limit-100', 'limit-90.limit-300mi.go-1.19.13', 'automemlimit', 'gogc-off-limit.limit-300mi.go-1.19.13', 'gogc-50', 'stream', 'jsonv2'];
  const variants: VariantSummary[] = [];
  const runs: RunRecord[] = [];
  names.forEach((name, i) => {
    const from = i % 2 === 0 ? 'baseline' : 'gomemlimit';
    const swept = name.includes('.limit-300mi');
    variants.push({ ...base.variants.find((v) => v.name === from)!, name, axes: swept ? { limit: '300Mi', go: '1.19.13' } : {}, memoryLimitBytes: (swept ? 300 : 400) * 2 ** 20 });
    for (const run of base.runs.filter((r) => r.variant === from)) runs.push({ ...run, id: `${name}-${run.rep}`, variant: name });
  });
  return { ...base, variants, runs };
}

describe('PNG rendering', () => {
  let svg: string;
  before(async () => {
    svg = (await renderAllCharts(makeResultsFixture())).find((c) => c.name === 'survival.svg')!.svg;
  });

  test('is a real PNG at twice the SVG size', async () => {
    const { png, width, height } = await svgToPng(svg);
    const size = pngSize(png);
    const expected = svgSize(svg);
    assert.ok(expected.width > 500, `SVG width ${expected.width}`);
    assert.deepEqual(size, { width, height });
    assert.ok(Math.abs(size.width - 2 * expected.width) <= 1, `PNG ${size.width} px wide for an SVG ${expected.width} px wide`);
    assert.ok(Math.abs(size.height - 2 * expected.height) <= 1, `PNG ${size.height} px high for an SVG ${expected.height} px high`);
    assert.ok(png.length > 10_000, `${png.length} bytes: more than a blank image`);
  });

  test('scale is configurable', async () => {
    const { width } = await svgToPng(svg, { scale: 1 });
    assert.ok(Math.abs(width - svgSize(svg).width) <= 1);
  });

  const text = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="4" y="28" font-family="DejaVu Sans, sans-serif" font-size="20">MiB 400</text></svg>';

  test('without any font it still renders (text is just not drawn)', async () => {
    const { png } = await svgToPng(text, { fontFiles: [], loadSystemFonts: false });
    assert.deepEqual(pngSize(png), { width: 400, height: 80 });
  });

  test('draws text with the DejaVu files when present', { skip: defaultFontFiles().length === 0 && 'no DejaVu Sans here' }, async () => {
    const none = await svgToPng(text, { fontFiles: [], loadSystemFonts: false });
    const dejavu = await svgToPng(text);
    // Glyphs add anti-aliased pixels: a blank white image compresses to far fewer bytes.
    assert.ok(dejavu.png.length > none.png.length * 2, `${dejavu.png.length} vs ${none.png.length} bytes`);
  });
});

describe('frontier chart', () => {
  const results = makeFrontierFixture();

  test('the fixture is consistent: brackets within the resolution, probes named as the plan names them', () => {
    const [baseline, gomemlimit, stream] = results.frontier!;
    assert.deepEqual([baseline!.frontierMiB, baseline!.failedMiB, baseline!.status], [57.25, 61, 'bracketed']);
    assert.deepEqual([gomemlimit!.frontierMiB, gomemlimit!.failedMiB], [83.5, 87.25]);
    assert.deepEqual([stream!.frontierMiB, stream!.failedMiB, stream!.status], [256, null, 'above-range']);
    for (const f of results.frontier!) {
      for (const p of f.probes) assert.ok(results.variants.some((v) => v.name === p.variant), `${p.variant} has a summary`);
    }
    assert.ok(results.variants.some((v) => v.name === 'baseline.body-57.25'));
  });

  test('spec: one colour per variant, the target rule, error bars and the frontier brackets', () => {
    const spec = frontierSpec(results);
    assert.ok(spec);
    const json = JSON.stringify(spec);
    assert.ok(json.includes(CHART_TITLES.frontier));
    const color = /"color":\{"field":"variant","type":"nominal","title":"variant","scale":\{"domain":(\[[^\]]*\])/.exec(json);
    assert.deepEqual(JSON.parse(color?.[1] ?? '[]'), ['baseline', 'gomemlimit', 'stream']);
    assert.ok(json.includes('{"target":0.9,"label":"target 90%"}'), 'a target row at 90%');
    assert.equal(json.match(/"type":"errorbar"/g)?.length, 3, 'an error bar layer per variant');
    assert.ok(json.includes('"y2":{"field":"high"}'), 'error bars span the Wilson interval');
    assert.ok(json.includes('"text":"57.25–61 MiB"') && json.includes('"text":"≥ 256 MiB (every probe passed)"'));
  });

  test('SVG: title, axis titles with units, legend, target line, an error bar per probe', async () => {
    const svg = (await renderFrontierSvg(results))!;
    for (const text of [CHART_TITLES.frontier, 'response body (MiB)', 'repetitions survived (%)', 'target 90%', '57.25–61 MiB', '83.5–87.25 MiB', 'baseline', 'gomemlimit', 'stream']) {
      assert.ok(svg.includes(text), `contains "${text}"`);
    }
    assert.ok(svg.includes('aria-roledescription="legend"'));
    const probes = results.frontier!.reduce((n, f) => n + f.probes.length, 0);
    assert.equal(svg.match(/aria-roledescription="errorbar"/g)?.length, probes);
    const { width } = svgSize(svg);
    assert.ok(width >= 550 && width <= 720, `${width} px wide`);
  });

  test('absent without a frontier, first with one', async () => {
    assert.equal(frontierSpec(makeResultsFixture()), null);
    assert.equal(frontierSpec(makeResultsFixture({ frontier: [] })), null);
    assert.ok(!(await renderAllCharts(makeResultsFixture())).some((c) => c.name === 'frontier.svg'));
    assert.deepEqual(
      (await renderAllCharts(results)).map((c) => c.name),
      ['frontier.svg', 'heap-per-cycle.svg', 'memory-timeline.svg', 'survival.svg'],
    );
  });

  test('per-variant charts show the two probes bracketing each frontier, not every probe', () => {
    assert.deepEqual(chartVariants(results), ['baseline.body-57.25', 'baseline.body-61', 'gomemlimit.body-83.5', 'gomemlimit.body-87.25', 'stream.body-256']);
    assert.equal(chartVariants(makeResultsFixture()).length, 2);
  });

  test('frontier in words for every status', () => {
    const f = results.frontier![0]!;
    assert.equal(frontierText(f), '57.25–61 MiB');
    assert.equal(frontierText({ ...f, frontierMiB: null, failedMiB: 16, status: 'below-range' }), '< 16 MiB (no probe passed)');
    assert.equal(frontierText({ ...f, failedMiB: null, status: 'incomplete' }), '≥ 57.25 MiB (search incomplete)');
  });

  test('the target label goes where no probe is', () => {
    assert.equal(widestGapCentre([16, 256, 136, 76], 266), 196);
    assert.equal(widestGapCentre([], 100), 50);
  });
});

describe('heap per GC cycle: killed and surviving processes, many variants', () => {
  test('killed processes are drawn solid, surviving ones dashed, and the legend says so', async () => {
    const svg = await renderHeapPerCycleSvg(makeResultsFixture());
    const lines = linePaths(svg);
    const killed = lines.filter(([label]) => label.includes('(OOMKilled)'));
    const survived = lines.filter(([label]) => label.includes('(survived)'));
    assert.ok(killed.length >= 9 && survived.length >= 9, `${killed.length} killed, ${survived.length} surviving lines`);
    assert.ok(killed.every(([, dash]) => dash === '1,0'), 'killed: solid');
    assert.ok(survived.every(([, dash]) => dash === '5,3'), 'survived: dashed');
    assert.ok(svg.includes('OOM-killed') && svg.includes('survived'), 'legend entries');
    // The restarted repetition's second process survived: the header counts processes, not repetitions.
    assert.ok(svg.includes('baseline (no GOMEMLIMIT, 3/4 OOM-killed)'));
    assert.ok(svg.includes('gomemlimit (GOMEMLIMIT 400 MiB, 0/3 OOM-killed)'));
  });

  test('8 variants with long swept names: two columns, blog width, headers wrapped to the panel', async () => {
    const results = eightVariants();
    const spec = heapPerCycleSpec(results) as { columns?: number; spec: { width: number } };
    assert.equal(spec.columns, 2);
    const svg = await renderSvg(heapPerCycleSpec(results));
    const { width, height } = svgSize(svg);
    assert.ok(width >= 600 && width <= 720, `${width} px wide`);
    assert.ok(height < 1200, `${height} px high`);
    for (const name of ['limit-90.limit-300mi.go-1.19.13', 'gogc-off-limit.limit-300mi.go-1.19.13', 'jsonv2']) assert.ok(svg.includes(name), name);
    assert.ok(svg.includes('limit 300 MiB'), "a swept variant's own limit");
    // Facet headers are title texts; wrapped ones are <tspan> lines.
    const titles = [...svg.matchAll(/<g class="mark-text role-title-text"[^>]*>(.*?)<\/g>/gs)].map((m) => m[1]!).join('');
    const headers = [...titles.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((m) => m[1]!);
    assert.ok(headers.length >= 16, `${headers.length} header lines`);
    for (const line of headers) assert.ok(textWidth({ fontSize: 12, fontWeight: 'bold' }, line) <= spec.spec.width, `"${line}" fits the panel`);
  });

  test('wrapTokens breaks at separators and keeps every token', () => {
    const lines = wrapTokens(['limit-90.', 'limit-300mi.', 'go-1.19.13'], 120, { fontSize: 12, fontWeight: 'bold' });
    assert.ok(lines.length >= 2);
    assert.equal(lines.join(''), 'limit-90.limit-300mi.go-1.19.13');
  });
});

describe('writeReports with PNGs and a frontier', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomemlimit-charts-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes an SVG and a PNG per chart; report.md embeds the PNG and links the SVG; report.html inlines SVG only', async () => {
    const written = await writeReports(dir, makeFrontierFixture());
    for (const name of ['frontier', 'heap-per-cycle', 'memory-timeline', 'survival']) {
      assert.ok(written.includes(path.join(dir, 'charts', `${name}.svg`)));
      assert.ok(written.includes(path.join(dir, 'charts', `${name}.png`)));
      const svg = await readFile(path.join(dir, 'charts', `${name}.svg`), 'utf8');
      const size = pngSize(await readFile(path.join(dir, 'charts', `${name}.png`)));
      assert.ok(Math.abs(size.width - 2 * svgSize(svg).width) <= 1, `${name}.png is 2x`);
    }
    const md = await readFile(path.join(dir, 'report.md'), 'utf8');
    assert.ok(md.includes(`![${CHART_TITLES.frontier}](charts/frontier.png)`));
    assert.ok(md.includes('](charts/frontier.svg)'));
    assert.ok(md.indexOf('charts/frontier.png') < md.indexOf('charts/heap-per-cycle.png'), 'the frontier chart comes first');
    const html = await readFile(path.join(dir, 'report.html'), 'utf8');
    assert.equal(html.match(/<svg\b/g)?.length, 4);
    assert.ok(!html.includes('.png'), 'no external images');
  });
});
