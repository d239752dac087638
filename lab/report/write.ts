// Writes a run folder's results.json and the reports rendered from it, and reads results.json back.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ZodError } from 'zod';
import { UsageError, errorMessage } from '../errors.js';
import { renderAllCharts } from './charts.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { svgToPng } from './png.js';
import { READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION, resultsSchema, type Results } from '../model/results.js';

const RESULTS_FILE = 'results.json';
const CHARTS_DIR = 'charts';

/** Zod issues on one line: the first few paths and messages. */
function issuesLine(error: ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}

// Write then rename: the pipeline rewrites these files after every repetition, and an interrupted
// write must not leave a truncated results.json behind.
async function writeAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, content);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true }); // a full disk leaves no half-written file behind
    throw error;
  }
}

/** Writes results.json, charts/*.svg and *.png, report.md and report.html into `dir`; returns the paths written. */
export async function writeReports(dir: string, results: Results, options = { dataOnly: false }): Promise<string[]> {
  const parsed = resultsSchema.safeParse(results);
  if (!parsed.success) throw new Error(`refusing to write invalid results: ${issuesLine(parsed.error)}`);
  const valid = parsed.data;
  const written: string[] = [];
  const write = async (relative: string, content: string | Uint8Array) => {
    const file = path.join(dir, relative);
    await writeAtomic(file, content);
    written.push(file);
  };
  await mkdir(path.join(dir, CHARTS_DIR), { recursive: true });
  // The data first: if rendering fails, the measurements are still saved.
  await write(RESULTS_FILE, `${JSON.stringify(valid, null, 2)}\n`);
  if (options.dataOnly) return written;
  const charts = await renderAllCharts(valid);
  const links: { name: string; title: string; png?: string }[] = [];
  for (const chart of charts) {
    await write(path.join(CHARTS_DIR, chart.name), chart.svg);
    const link: (typeof links)[number] = { name: `${CHARTS_DIR}/${chart.name}`, title: chart.title };
    // A blog takes PNG: 2x, from the same SVG. Without it (resvg failing here) the report embeds the SVG.
    const pngName = chart.name.replace(/\.svg$/, '.png');
    try {
      await write(path.join(CHARTS_DIR, pngName), (await svgToPng(chart.svg)).png);
      link.png = `${CHARTS_DIR}/${pngName}`;
    } catch (error) {
      process.stderr.write(`warning: no ${CHARTS_DIR}/${pngName}: ${errorMessage(error)}\n`);
    }
    links.push(link);
  }
  await write('report.md', renderMarkdown(valid, links));
  await write('report.html', renderHtml(valid, charts));
  return written;
}

/** Reads and validates `dir/results.json`; every failure is one clear line. */
export async function readResults(dir: string): Promise<Results> {
  const file = path.join(dir, RESULTS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`no ${RESULTS_FILE} in ${dir}: is it a lab run folder?`);
    throw new UsageError(`cannot read ${file}: ${errorMessage(error)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${errorMessage(error)}`);
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (!(READABLE_SCHEMA_VERSIONS as readonly unknown[]).includes(version)) {
    throw new UsageError(`${file} has schemaVersion ${JSON.stringify(version) ?? 'missing'}, but this lab reads schemaVersion ${READABLE_SCHEMA_VERSIONS.join(' and ')}: use the lab version that wrote it, or run the scenario again`);
  }
  const parsed = resultsSchema.safeParse(data);
  if (!parsed.success) throw new UsageError(`${file} does not match results schema version ${SCHEMA_VERSION}: ${issuesLine(parsed.error)}`);
  return parsed.data;
}
