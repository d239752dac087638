// JUnit XML for a regress outcome, for CI test-report tooling: one <testsuite>, one <testcase> per check
// (classname = variant, name = check name), <failure> / <skipped> carrying the check's one-line reason.
import type { Check, RegressSummary } from './check.js';

export const JUNIT_SUITE_NAME = 'gomemlimit-lab regress';

// Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF): replaced.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text content. */
export function escapeXmlText(value: string): string {
  return value.replace(NOT_XML_CHAR, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value (double-quoted); whitespace is kept as character references, not normalised away. */
export function escapeXmlAttribute(value: string): string {
  return escapeXmlText(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

const attrs = (pairs: Record<string, string | number>): string =>
  Object.entries(pairs)
    .map(([key, value]) => ` ${key}="${escapeXmlAttribute(String(value))}"`)
    .join('');

/** JUnit's timestamp: ISO 8601 without a zone or fraction (UTC here). */
function junitTimestamp(iso: string): string | null {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().slice(0, 19);
}

function details(check: Check): string {
  return `${check.reason}\nmeasured: ${JSON.stringify(check.measured)}\nexpected: ${JSON.stringify(check.expected)}`;
}

function testcase(check: Check): string {
  const open = `    <testcase${attrs({ classname: check.variant, name: check.name })}>`;
  let body: string;
  if (check.skipped) body = `      <skipped${attrs({ message: check.reason })}/>`;
  else if (!check.passed) body = `      <failure${attrs({ message: check.reason, type: 'ExpectationFailed' })}>${escapeXmlText(details(check))}</failure>`;
  else body = `      <system-out>${escapeXmlText(check.reason)}</system-out>`;
  return `${open}\n${body}\n    </testcase>`;
}

/** A run on another Go than the expectations' is an error of the gate, not a pass or a regression of the service. */
function goReleaseCase(reason: string): string {
  return `    <testcase${attrs({ classname: 'regress', name: 'Go release' })}>\n      <error${attrs({ message: reason, type: 'GoReleaseMismatch' })}/>\n    </testcase>`;
}

/** The JUnit XML document (UTF-8, with an XML declaration and a trailing newline). */
export function junitXml(summary: RegressSummary): string {
  const timestamp = junitTimestamp(summary.finishedAt ?? summary.startedAt);
  const started = Date.parse(summary.startedAt);
  const finished = summary.finishedAt === null ? Number.NaN : Date.parse(summary.finishedAt);
  const seconds = Number.isNaN(started) || Number.isNaN(finished) ? null : Math.max(0, (finished - started) / 1000);
  const suite: Record<string, string | number> = {
    name: JUNIT_SUITE_NAME,
    tests: summary.counts.checks + (summary.notJudged ? 1 : 0),
    failures: summary.counts.failed,
    errors: summary.notJudged ? 1 : 0,
    skipped: summary.counts.skipped,
  };
  if (timestamp) suite.timestamp = timestamp;
  if (seconds !== null) suite.time = seconds.toFixed(3);
  const properties = { scenario: summary.scenario, runtime: summary.runtime, runId: summary.runId, passed: String(summary.passed) };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite${attrs(suite)}>`,
    '  <properties>',
    ...Object.entries(properties).map(([name, value]) => `    <property${attrs({ name, value })}/>`),
    '  </properties>',
    ...(summary.notJudged ? [goReleaseCase(summary.notJudged)] : []),
    ...summary.checks.map(testcase),
    '</testsuite>',
    '',
  ].join('\n');
}
