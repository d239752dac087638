import assert from 'node:assert/strict';
import { access, mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { writeReports } from '../lab/report/write.js';
import type { Results } from '../lab/model/results.js';
import { makeResultsFixture } from './fixtures/results-fixture.js';

// Debian's chromium, driven by playwright-core: no browser download (npm test's pretest installs it with apt).
const CHROMIUM = '/usr/bin/chromium';

/** The fix matrix's ten variants, one swept name among them: as wide as a real report's table gets. */
function fixMatrixResults(): Results {
  const base = makeResultsFixture();
  const names = ['baseline', 'limit-100', 'limit-90', 'automemlimit', 'gogc-off-limit', 'gogc-50', 'stream', 'jsonv2', 'jsonv2-stream', 'chunked.limit-300mi.go-1.19.13'];
  const like = (index: number) => base.variants[index % 2]!;
  return {
    ...base,
    variants: names.map((name, index) => ({ ...like(index), name, base: name })),
    runs: names.flatMap((name, index) => base.runs.filter((run) => run.variant === like(index).name).map((run) => ({ ...run, id: `${name}-${run.rep}`, variant: name }))),
  };
}

test('report.html in headless Chromium: the results table fits at blog width, every chart is drawn', { timeout: 120_000 }, async () => {
  await access(CHROMIUM).catch(() => assert.fail(`${CHROMIUM} is missing: npm test installs it as root on Debian or Ubuntu (scripts/ensure-test-tools.ts); elsewhere apt-get install chromium`));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lab-report-browser-'));
  await writeReports(dir, fixMatrixResults());
  const charts = (await readdir(path.join(dir, 'charts'))).filter((file) => file.endsWith('.svg'));
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(path.join(dir, 'report.html')).href);
    const layout = await page.evaluate(() => {
      const results = document.querySelector('#results') as HTMLElement;
      return {
        page: { scroll: document.documentElement.scrollWidth, view: window.innerWidth },
        results: { scroll: results.scrollWidth, client: results.clientWidth, columns: results.querySelectorAll('thead th').length, rows: results.querySelectorAll('tbody tr').length },
        figures: [...document.querySelectorAll('figure svg')].map((svg) => {
          const box = svg.getBoundingClientRect();
          return { id: svg.closest('figure')!.id, width: box.width, height: box.height };
        }),
      };
    });
    assert.ok(layout.page.scroll <= layout.page.view, `the page scrolls sideways: ${layout.page.scroll} px in ${layout.page.view}`);
    assert.equal(layout.results.rows, 10);
    assert.ok(layout.results.scroll <= layout.results.client, `the results table scrolls sideways: ${layout.results.scroll} px in ${layout.results.client} (${layout.results.columns} columns)`);
    assert.deepEqual(layout.figures.map((figure) => `${figure.id}.svg`).sort(), charts.sort(), 'one drawn figure per chart file');
    for (const figure of layout.figures) assert.ok(figure.width > 100 && figure.height > 100, `${figure.id} is ${figure.width}×${figure.height}`);
  } finally {
    await browser.close();
  }
});
