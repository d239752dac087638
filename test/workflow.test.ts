// The nightly workflow is validated with GitHub's own workflow parser (@actions/workflow-parser, the schema and
// expression checks behind the Actions language service), then the parts that matter are asserted on the YAML.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../lab/paths.js';
import { loadExpectations } from '../lab/regress/expectations.js';
import { STOCK_NODE_IMAGE } from '../lab/runtimes/kind/node-image.js';

const WORKFLOW = path.join(REPO_ROOT, '.github', 'workflows', 'nightly.yml');

/** Every schema, expression and cron error GitHub's parser reports for a workflow text. */
async function workflowErrors(content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name: 'nightly.yml', content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value === undefined) return errors.length > 0 ? errors : ['no workflow parsed'];
  // Conversion adds the semantic checks (cron syntax, job graph); it returns what it found in `errors`.
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  return [...new Set([...errors, ...(template.errors ?? []).map((e) => e.Message)])];
}

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}

test('the nightly workflow is valid for GitHub Actions', async () => {
  const content = await readFile(WORKFLOW, 'utf8');
  assert.deepEqual(await workflowErrors(content), []);
});

test('the validation catches broken workflows (so the test above can fail)', async () => {
  const content = await readFile(WORKFLOW, 'utf8');
  const mutations: [string, string, string, RegExp][] = [
    ['jobs misspelled', '\njobs:\n', '\njbos:\n', /Unexpected value 'jbos'|Required property is missing: jobs/],
    ['runs-on misspelled', 'runs-on:', 'runs_on:', /runs_on|runs-on/],
    ['a bad cron', "cron: '23 3 * * *'", "cron: '99 3 * * *'", /cron/i],
    ['a broken if expression', 'if: always()', 'if: ${{ always( }}', /expression/i],
    ['an unknown permission level', 'contents: read', 'contents: reed', /reed/],
    ['a non-numeric timeout', 'timeout-minutes: 45', 'timeout-minutes: soon', /soon/],
  ];
  for (const [what, from, to, expected] of mutations) {
    assert.ok(content.includes(from), `the workflow contains ${JSON.stringify(from)} for the "${what}" mutation`);
    const errors = await workflowErrors(content.replace(from, to));
    assert.ok(errors.length > 0, `${what}: expected an error`);
    assert.match(errors.join('\n'), expected, what);
  }
  assert.notDeepEqual(await workflowErrors('on: [push\n'), [], 'invalid YAML');
});

test('the nightly workflow runs the lab regress on kind on schedule and uploads the run folder always', async () => {
  const workflow = parseYaml(await readFile(WORKFLOW, 'utf8')) as {
    on: { schedule?: { cron: string }[]; workflow_dispatch?: unknown };
    permissions: Record<string, string>;
    jobs: Record<string, { 'runs-on': string; 'timeout-minutes': number; env?: Record<string, string>; steps: Step[] }>;
  };
  // Triggers: a nightly cron (five fields, a fixed minute and hour) and a manual dispatch.
  const crons = (workflow.on.schedule ?? []).map((s) => s.cron);
  assert.equal(crons.length, 1, 'one schedule');
  assert.match(crons[0]!, /^\d{1,2} \d{1,2} \* \* \*$/, 'once a day');
  assert.ok('workflow_dispatch' in workflow.on, 'runnable by hand');
  assert.deepEqual(workflow.permissions, { contents: 'read' }, 'minimal permissions');

  const jobs = Object.values(workflow.jobs);
  assert.equal(jobs.length, 1);
  const job = jobs[0]!;
  assert.match(job['runs-on'], /^ubuntu-/);
  assert.ok(Number.isInteger(job['timeout-minutes']) && job['timeout-minutes'] > 0 && job['timeout-minutes'] <= 90, 'a timeout');

  const steps = job.steps;
  const index = (predicate: (step: Step) => boolean, what: string): number => {
    const i = steps.findIndex(predicate);
    assert.ok(i >= 0, `a step that ${what}`);
    return i;
  };
  const expand = (text: string) => text.replace(/\$\{\{\s*env\.(\w+)\s*\}\}|"?\$(\w+)"?/g, (_, a?: string, b?: string) => job.env?.[(a ?? b)!] ?? `$${a ?? b}`);

  // Only well-known actions, each pinned to a major version.
  for (const step of steps.filter((s) => s.uses)) assert.match(step.uses!, /^actions\/(checkout|setup-node|setup-go|upload-artifact)@v\d+$/);
  const checkout = index((s) => s.uses?.startsWith('actions/checkout@') ?? false, 'checks out');
  const node = index((s) => s.uses?.startsWith('actions/setup-node@') ?? false, 'sets up node');
  assert.equal(String(steps[node]!.with?.['node-version']), '24', 'the LTS users run, not the ended Node 20');
  assert.equal(steps[node]!.with?.cache, 'npm');
  const go = index((s) => s.uses?.startsWith('actions/setup-go@') ?? false, 'sets up go');
  // The workflow names the Go the expectations were measured on (the gate builds the sample with it either way).
  const expectations = await loadExpectations('regress');
  assert.ok(expectations.go, 'the expectations name their Go');
  assert.equal(String(steps[go]!.with?.['go-version']), expectations.go);
  const ci = index((s) => /^npm ci\b/.test(s.run ?? ''), 'runs npm ci');
  const plan = index((s) => /npm run lab -- regress --plan\b/.test(s.run ?? ''), 'prints the regress plan');
  const regress = index((s) => /npm run lab -- regress\b(?! --plan)/.test(s.run ?? ''), 'runs the lab regress');
  assert.ok(plan < regress, 'the plan comes before the run');
  assert.ok(checkout < node && node < ci && go < ci && ci < regress, 'checkout, toolchains and npm ci come before the run');

  const command = expand(steps[regress]!.run!);
  assert.match(command, /--runtime kind\b/);
  // The stock image the lab pins (kind's default at KIND_VERSION), by digest: what `auto` would pull.
  assert.ok(command.includes(`--node-image ${STOCK_NODE_IMAGE} `), `the run names ${STOCK_NODE_IMAGE}`);
  const out = /--out (\S+)/.exec(command)?.[1];
  assert.equal(out, 'results/nightly');
  assert.equal(steps[regress]!.if, undefined, 'the run itself is not conditional');

  const upload = index((s) => s.uses?.startsWith('actions/upload-artifact@') ?? false, 'uploads an artifact');
  assert.ok(upload > regress);
  assert.match(steps[upload]!.if ?? '', /^\$?\{?\{?\s*always\(\)\s*\}?\}?$/, 'uploads even when the run failed');
  assert.equal(expand(String(steps[upload]!.with?.path)), out, 'uploads the run folder, JUnit XML included');
});
