import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { makeResultsFixture } from '../../test/fixtures/results-fixture.js';
import { wilsonInterval } from '../analyse/stats.js';
import { checkExpectations, regressSummary, type Check, type RegressSummary } from './check.js';
import { parseExpectations } from './expectations.js';
import { escapeXmlAttribute, escapeXmlText, JUNIT_SUITE_NAME, junitXml } from './junit.js';

// --- A strict, small XML 1.0 reader for the tests: elements, attributes, text, the five predefined entities
// and character references, comments, one XML declaration. Anything else, or anything malformed, throws.

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: (XmlElement | string)[];
}

const NAME = /[A-Za-z_:][A-Za-z0-9_:.-]*/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const isXmlChar = (cp: number) => cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);

function parseXml(text: string): XmlElement {
  let i = 0;
  const fail = (message: string): never => {
    throw new SyntaxError(`${message} at offset ${i}: ${JSON.stringify(text.slice(i, i + 30))}`);
  };
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (!isXmlChar(cp) || (cp >= 0xd800 && cp <= 0xdfff)) fail(`character U+${cp.toString(16)} is not allowed in XML`);
  }
  const skipSpace = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const expect = (literal: string) => {
    if (!text.startsWith(literal, i)) fail(`expected ${JSON.stringify(literal)}`);
    i += literal.length;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const match = NAME.exec(text);
    if (!match) return fail('expected a name');
    i += match[0].length;
    return match[0];
  };
  const reference = (): string => {
    expect('&');
    const end = text.indexOf(';', i);
    if (end < 0 || end - i > 10) fail('unterminated reference');
    const body = text.slice(i, end);
    i = end + 1;
    if (body in PREDEFINED) return PREDEFINED[body]!;
    const numeric = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(body);
    if (!numeric) return fail(`unknown entity &${body};`);
    const cp = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
    if (!isXmlChar(cp)) fail(`character reference to U+${cp.toString(16)}`);
    return String.fromCodePoint(cp);
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (!text.startsWith('<!--', i)) return;
      const end = text.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      if (text.slice(i + 4, end).includes('--')) fail('"--" inside a comment');
      i = end + 3;
    }
  };
  const element = (): XmlElement => {
    expect('<');
    const tag = name();
    const attributes: Record<string, string> = {};
    for (;;) {
      const before = i;
      skipSpace();
      if (text.startsWith('/>', i)) {
        i += 2;
        return { name: tag, attributes, children: [] };
      }
      if (text[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected whitespace before an attribute');
      const attr = name();
      if (attr in attributes) fail(`duplicate attribute ${attr}`);
      skipSpace();
      expect('=');
      skipSpace();
      const quote = text[i];
      if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value');
      i++;
      let value = '';
      while (text[i] !== quote) {
        if (i >= text.length) fail('unterminated attribute value');
        if (text[i] === '<') fail('"<" in an attribute value');
        if (text[i] === '&') value += reference();
        else {
          // Attribute-value normalisation: literal whitespace becomes a space.
          value += '\t\n\r'.includes(text[i]!) ? ' ' : text[i];
          i++;
        }
      }
      i++;
      attributes[attr] = value;
    }
    const children: (XmlElement | string)[] = [];
    let pending = '';
    for (;;) {
      if (i >= text.length) fail(`unclosed <${tag}>`);
      if (text.startsWith('</', i)) {
        i += 2;
        if (name() !== tag) fail(`mismatched end tag for <${tag}>`);
        skipSpace();
        expect('>');
        if (pending) children.push(pending);
        return { name: tag, attributes, children };
      }
      if (text.startsWith('<!--', i)) {
        skipMisc();
        continue;
      }
      if (text[i] === '<') {
        if (pending) children.push(pending);
        pending = '';
        children.push(element());
      } else if (text[i] === '&') pending += reference();
      else {
        if (text.startsWith(']]>', i)) fail('"]]>" in text');
        pending += text[i];
        i++;
      }
    }
  };
  if (text.startsWith('<?xml', 0)) {
    const end = text.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    if (!/^<\?xml version="1\.[0-9]"( encoding="[A-Za-z][A-Za-z0-9._-]*")?( standalone="(yes|no)")?\s*\?>$/.test(text.slice(0, end + 2))) fail('bad XML declaration');
    i = end + 2;
  }
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== text.length) fail('content after the root element');
  return root;
}

const elements = (parent: XmlElement, name: string): XmlElement[] => parent.children.filter((c): c is XmlElement => typeof c !== 'string' && c.name === name);
const textOf = (element: XmlElement): string => element.children.filter((c): c is string => typeof c === 'string').join('');

// --- Fixtures

function summaryOf(checks: Check[], overrides: Partial<RegressSummary> = {}): RegressSummary {
  const skipped = checks.filter((c) => c.skipped).length;
  const passed = checks.filter((c) => c.passed).length;
  return {
    schemaVersion: 1,
    scenario: 'regress',
    runtime: 'kind',
    runId: '20261129-030000-regress',
    startedAt: '2026-11-29T03:00:00.000Z',
    finishedAt: '2026-11-29T03:02:05.500Z',
    passed: checks.length - passed - skipped === 0,
    notJudged: null,
    counts: { checks: checks.length, passed, failed: checks.length - passed - skipped, skipped },
    checks,
    variants: [],
    ...overrides,
  };
}

/** A real outcome: limit-90 survival dropped to 2/5, no stored baseline (peak skipped), baseline still killed. */
function realSummary(): RegressSummary {
  const results = makeResultsFixture({ scenario: 'regress', runtime: 'kind', runId: '20261129-030000-regress' });
  const rename = (name: string) => (name === 'gomemlimit' ? 'limit-90' : name);
  results.variants = results.variants.map((v) => ({ ...v, name: rename(v.name), ...(v.name === 'gomemlimit' ? { repetitions: 5, survivedRepetitions: 2, survival: wilsonInterval(2, 5) } : {}) }));
  results.runs = results.runs.map((run) => ({ ...run, variant: rename(run.variant) }));
  const expectations = parseExpectations(
    'scenario: regress\nexpectations:\n  - variant: baseline\n    oomKilledRate: { atLeast: 0.9 }\n  - variant: limit-90\n    survivalRate: { atLeast: 0.95 }\n  - variant: limit-90\n    peakMemoryMedian: { withinPercent: 10 }\n',
    '/tmp/regress.yaml',
  );
  return regressSummary(results, checkExpectations(results, expectations, null));
}

// --- Tests

test('the test reader rejects malformed XML (so the checks below can fail)', () => {
  const bad = [
    '<a>',
    '<a></b>',
    '<a x="1" x="2"/>',
    '<a x="<"/>',
    '<a x=1/>',
    '<a>&</a>',
    '<a>&nbsp;</a>',
    '<a>]]></a>',
    '<a/><b/>',
    '<a>\u0001</a>',
    '<a>&#1;</a>',
    '<a x="1"y="2"/>',
    '<?xml version="1.0"?><a',
  ];
  for (const xml of bad) assert.throws(() => parseXml(xml), SyntaxError, `should reject ${JSON.stringify(xml)}`);
  assert.deepEqual(parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a x="&lt;&#10;&#x26;">t&amp;<b/>u</a>\n'), {
    name: 'a',
    attributes: { x: '<\n&' },
    children: ['t&', { name: 'b', attributes: {}, children: [] }, 'u'],
  });
});

test('JUnit XML: one suite, a testcase per check with failure / skipped / pass and the reasons, properties', () => {
  const summary = realSummary();
  const xml = junitXml(summary);
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'));
  const suite = parseXml(xml);
  assert.equal(suite.name, 'testsuite');
  assert.equal(suite.attributes.name, JUNIT_SUITE_NAME);
  assert.equal(suite.attributes.name, 'gomemlimit-lab regress');
  assert.deepEqual(
    [suite.attributes.tests, suite.attributes.failures, suite.attributes.errors, suite.attributes.skipped],
    ['4', '1', '0', '1'],
  );
  assert.equal(suite.attributes.time, '840.000');
  assert.equal(suite.attributes.timestamp, '2025-11-29T10:14:00');

  const properties = Object.fromEntries(elements(elements(suite, 'properties')[0]!, 'property').map((p) => [p.attributes.name, p.attributes.value]));
  assert.deepEqual(properties, { scenario: 'regress', runtime: 'kind', runId: '20261129-030000-regress', passed: 'false' });

  const cases = elements(suite, 'testcase');
  assert.deepEqual(
    cases.map((c) => [c.attributes.classname, c.attributes.name]),
    summary.checks.map((c) => [c.variant, c.name]),
  );
  const [run, oom, survival, peak] = cases;
  assert.deepEqual(elements(run!, 'failure'), []);
  assert.equal(textOf(elements(oom!, 'system-out')[0]!), 'baseline: OOM-kill rate 100% (3/3, 95% CI 44–100%) meets the expected >= 90%');

  const failure = elements(survival!, 'failure');
  assert.equal(failure.length, 1);
  assert.equal(failure[0]!.attributes.message, 'limit-90: survival 40% (2/5, 95% CI 12–77%) is below the expected 95%');
  assert.match(textOf(failure[0]!), /^limit-90: survival 40% .*\nmeasured: 0\.4\nexpected: \{"atLeast":0\.95\}$/);
  assert.deepEqual(elements(survival!, 'skipped'), []);

  const skipped = elements(peak!, 'skipped');
  assert.equal(skipped.length, 1);
  assert.match(skipped[0]!.attributes.message!, /no stored peak-memory baseline for runtime kind.*`npm run lab -- regress --update-baseline`$/);
  assert.deepEqual(elements(peak!, 'failure'), []);
});

test('names and reasons with markup, quotes, newlines and control characters survive the round trip', () => {
  const nasty = 'a<b>&c "d" \'e\' ]]> f\ng\r\th \u0001 \uFFFF \uD800 — ünï 🐹';
  const cleaned = 'a<b>&c "d" \'e\' ]]> f\ng\r\th \uFFFD \uFFFD \uFFFD — ünï 🐹';
  const check: Check = { name: `n ${nasty}`, variant: `v ${nasty}`, passed: false, skipped: false, reason: `r ${nasty}`, measured: null, expected: { atLeast: 1 } };
  const skip: Check = { ...check, skipped: true };
  const pass: Check = { ...check, passed: true };
  const xml = junitXml(summaryOf([check, skip, pass], { runId: `id ${nasty}`, runtime: 'kind"><evil/>' }));
  const suite = parseXml(xml);
  const cases = elements(suite, 'testcase');
  assert.equal(cases.length, 3);
  for (const c of cases) {
    assert.equal(c.attributes.classname, `v ${cleaned}`);
    assert.equal(c.attributes.name, `n ${cleaned}`);
  }
  assert.equal(elements(cases[0]!, 'failure')[0]!.attributes.message, `r ${cleaned}`);
  assert.ok(textOf(elements(cases[0]!, 'failure')[0]!).startsWith(`r ${cleaned}\n`));
  assert.equal(elements(cases[1]!, 'skipped')[0]!.attributes.message, `r ${cleaned}`);
  assert.equal(textOf(elements(cases[2]!, 'system-out')[0]!), `r ${cleaned}`);
  const properties = elements(elements(suite, 'properties')[0]!, 'property');
  assert.equal(properties.find((p) => p.attributes.name === 'runtime')!.attributes.value, 'kind"><evil/>');
  assert.equal(properties.find((p) => p.attributes.name === 'runId')!.attributes.value, `id ${cleaned}`);
  assert.equal(suite.children.filter((c) => typeof c !== 'string' && c.name === 'evil').length, 0);
});

test('escaping helpers', () => {
  assert.equal(escapeXmlText('a<b>&c'), 'a&lt;b&gt;&amp;c');
  assert.equal(escapeXmlAttribute(`"'\n`), '&quot;&apos;&#10;');
  assert.equal(escapeXmlText('x\u0000y'), 'x\uFFFDy');
});

test('a suite without a finish time has no time attribute; an all-passing suite has no failure', () => {
  const pass: Check = { name: 'survivalRate >= 95%', variant: 'limit-90', passed: true, skipped: false, reason: 'ok', measured: 1, expected: { atLeast: 0.95 } };
  const suite = parseXml(junitXml(summaryOf([pass], { finishedAt: null })));
  assert.equal(suite.attributes.time, undefined);
  assert.equal(suite.attributes.timestamp, '2026-11-29T03:00:00');
  assert.deepEqual([suite.attributes.tests, suite.attributes.failures, suite.attributes.skipped], ['1', '0', '0']);
});

// A second, independent parser where one is installed: Python's expat (xml.dom.minidom) is a conforming one.
const python = spawnSync('python3', ['-c', 'import xml.dom.minidom'], { encoding: 'utf8' });
test('expat accepts the documents and reads the same failure message', { skip: python.status !== 0 ? 'python3 with xml.dom.minidom is not installed' : false }, () => {
  const script = [
    'import sys, json, xml.dom.minidom',
    'doc = xml.dom.minidom.parseString(sys.stdin.buffer.read())',
    'print(json.dumps([[f.getAttribute("message") for f in doc.getElementsByTagName(t)] for t in ("failure", "skipped")]))',
  ].join('\n');
  const nasty: Check = { name: 'n <&>', variant: 'v "q"', passed: false, skipped: false, reason: 'r ]]> & \n <x/> 🐹', measured: null, expected: { atLeast: 1 } };
  for (const summary of [realSummary(), summaryOf([nasty, { ...nasty, skipped: true }])]) {
    const run = spawnSync('python3', ['-c', script], { input: junitXml(summary), encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const [failures, skips] = JSON.parse(run.stdout) as [string[], string[]];
    assert.deepEqual(failures, summary.checks.filter((c) => !c.passed && !c.skipped).map((c) => c.reason));
    assert.deepEqual(skips, summary.checks.filter((c) => c.skipped).map((c) => c.reason));
  }
  // And it rejects what it should, so a broken escaper would show here.
  assert.notEqual(spawnSync('python3', ['-c', script], { input: '<testsuite><failure message="a & b"/></testsuite>', encoding: 'utf8' }).status, 0);
});
