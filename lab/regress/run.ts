// The nightly regression: run the fixed scenario, check it against the expectations, write JUnit and a summary.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runLab, type LabOptions } from '../pipeline/index.js';
import type { Progress } from '../progress.js';
import { checkExpectations, goMismatch, regressSummary, updatedBaseline, type RegressSummary } from './check.js';
import { planGate, repetitionsNeeded } from './plan.js';
import { loadScenario, SCENARIO_DIR } from '../model/scenario.js';
import { resolveVariants } from '../model/variants.js';
import { loadBaseline, loadExpectations, serializeBaseline } from './expectations.js';
import { junitXml } from './junit.js';

export interface RegressOptions extends Omit<LabOptions, 'scenario' | 'reps'> {
  reps?: number;
  /** Expectations by name in scenarios/expectations/, or a path; its `scenario` is what runs. */
  expectations?: string;
  /** Run this scenario (name or file) instead of the expectations' own, e.g. a deliberately broken copy. */
  scenario?: string;
  updateBaseline?: boolean;
}

export interface RegressOutcome {
  dir: string;
  summary: RegressSummary;
  files: { summary: string; junit: string; baseline: string | null };
}

export const SUMMARY_FILE = 'regress-summary.json';
export const JUNIT_FILE = 'junit.xml';

export async function runRegress(options: RegressOptions, progress: Progress, signal: AbortSignal): Promise<RegressOutcome> {
  const expectations = await loadExpectations(options.expectations ?? 'regress');
  const baseline = await loadBaseline(expectations.baselineFile); // a bad file fails before anything starts
  const go = options.go ?? (expectations.go ? { version: expectations.go, source: 'expectations' as const } : undefined);
  // The repetitions the stated changes need to be caught, unless --reps says otherwise.
  const reps = options.reps ?? repetitionsNeeded(expectations) ?? undefined;
  const { dir, results } = await runLab({ ...options, reps, go, scenario: options.scenario ?? expectations.scenario }, progress, signal);
  const outcome = checkExpectations(results, expectations, baseline);
  const summary = { ...regressSummary(results, outcome), notJudged: goMismatch(results, expectations) };
  const files = { summary: path.join(dir, SUMMARY_FILE), junit: path.join(dir, JUNIT_FILE), baseline: null as string | null };
  await writeFile(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(files.junit, junitXml(summary));
  if (options.updateBaseline) {
    await writeFile(expectations.baselineFile, serializeBaseline(updatedBaseline(baseline, results)));
    files.baseline = expectations.baselineFile;
  }
  return { dir, summary, files };
}

/** One line per check that did not pass; skipped ones say why. A run on another Go says so first, and is not judged. */
export function regressReport(outcome: RegressOutcome): string {
  const { summary } = outcome;
  const verdict = summary.notJudged ? `NOT JUDGED: ${summary.notJudged}; the checks below are for information` : summary.passed ? 'passed' : 'REGRESSION';
  const lines = [`regress ${summary.scenario} on ${summary.runtime}: ${verdict} (${summary.counts.passed} passed, ${summary.counts.failed} failed, ${summary.counts.skipped} skipped)`];
  for (const check of summary.checks) {
    if (check.passed) lines.push(`  ok       ${check.reason}`);
    else lines.push(`  ${check.skipped ? 'skipped ' : 'FAILED  '} ${check.reason}`);
  }
  const relative = (file: string) => path.relative(process.cwd(), file) || file;
  lines.push(`  junit: ${relative(outcome.files.junit)}, summary: ${relative(outcome.files.summary)}${outcome.files.baseline ? `, baseline updated: ${relative(outcome.files.baseline)}` : ''}`);
  return lines.join('\n');
}

/** `regress --plan`: per expectation, the repetitions, cut-off and error rates, and the time on this machine. */
export async function regressPlanText(options: Pick<RegressOptions, 'expectations' | 'runtime' | 'reps' | 'scenario'>): Promise<string> {
  const expectations = await loadExpectations(options.expectations ?? 'regress');
  const baseline = await loadBaseline(expectations.baselineFile);
  const scenario = await loadScenario(options.scenario ?? expectations.scenario, SCENARIO_DIR);
  const variants = resolveVariants(scenario).map((variant) => variant.name);
  const plan = planGate(expectations, baseline, options.runtime, variants, options.reps);
  const header = ['variant', 'check', 'measured → catch', 'needs', 'runs', 'fails at', 'false alarm', 'detection'];
  const rows = plan.rows.map((r) => [r.variant, r.check, r.change, r.needs === null ? '—' : String(r.needs), String(r.repetitions), r.failsAt, r.falseAlarm, r.detection]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  const time = plan.expectedSeconds === null ? `no stored repetition time for ${options.runtime} (record one with --update-baseline)` : `about ${Math.round(plan.expectedSeconds)} s of repetitions on ${options.runtime} here, at the stored ${Object.values(baseline?.[options.runtime] ?? {}).find((e) => e.parallel)?.parallel} at once (longer where --parallel auto steps down for starved repetitions: one at a time on two cores)`;
  return [
    `regress --plan: ${expectations.source}${expectations.go ? `, measured on go${expectations.go}` : ''}; per check at most ${Number((expectations.falseAlarm * 100).toFixed(2))}% false alarms, at least ${Math.round(expectations.power * 100)}% detection of the stated change (exact binomial)`,
    line(header),
    ...rows.map(line),
    `${plan.perVariant} repetitions per variant, ${plan.total} in all: ${time}`,
  ].join('\n');
}
