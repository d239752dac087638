import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatQuantity, parseQuantity, QuantityError, quantitySchema } from './quantity.js';

test('parses bytes, binary and decimal suffixes', () => {
  const cases: [string, number][] = [
    ['419430400', 419430400],
    ['0', 0],
    ['1Ki', 1024],
    ['400Mi', 400 * 1024 ** 2],
    ['2Gi', 2 * 1024 ** 3],
    ['1Ti', 1024 ** 4],
    ['1Pi', 1024 ** 5],
    ['1Ei', 1024 ** 6],
    ['1k', 1000],
    ['400M', 400e6],
    ['1G', 1e9],
    ['3T', 3e12],
    ['1P', 1e15],
    ['1E', 1e18],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['0.1Ki', 102], // 102.4 rounded
    ['2.5', 3], // Math.round, half up
  ];
  for (const [text, bytes] of cases) assert.equal(parseQuantity(text), bytes, text);
  assert.ok(Number.isInteger(parseQuantity('0.3Mi')));
});

test('rejects anything else with a helpful QuantityError', () => {
  const bad = ['400MB', '400mb', '400 Mi', '-1Mi', '', 'Mi', '0x10', '400m', '400KI', '1e3', '+1Mi', '.5Gi', '1.Gi', ' 1Mi', '1Mi\n', '9'.repeat(400)];
  for (const text of bad) {
    assert.throws(
      () => parseQuantity(text),
      (err: unknown) => err instanceof QuantityError && err.message.includes(`"${text}"`),
      JSON.stringify(text),
    );
  }
  assert.throws(() => parseQuantity('400MB'), {
    message: 'bad memory quantity "400MB": use a Kubernetes quantity such as 400Mi (binary) or 419430400 (bytes)',
  });
});

test('formatQuantity gives the shortest exact binary form', () => {
  assert.equal(formatQuantity(419430400), '400Mi');
  assert.equal(formatQuantity(1536 * 1024 ** 2), '1536Mi');
  assert.equal(formatQuantity(2 * 1024 ** 3), '2Gi');
  assert.equal(formatQuantity(1024), '1Ki');
  assert.equal(formatQuantity(400e6), '390625Ki');
  assert.equal(formatQuantity(1000), '1000');
  assert.equal(formatQuantity(0), '0');
  assert.throws(() => formatQuantity(1.5), QuantityError);
  assert.throws(() => formatQuantity(-1), QuantityError);
  for (const b of [1, 1000, 419430400, 123456789]) assert.equal(parseQuantity(formatQuantity(b)), b);
});

test('quantitySchema yields bytes or a zod issue', () => {
  assert.equal(quantitySchema.parse('400Mi'), 419430400);
  assert.equal(quantitySchema.parse(419430400), 419430400);
  for (const input of ['400MB', -1, 1.5e21]) {
    const r = quantitySchema.safeParse(input);
    assert.equal(r.success, false, String(input));
    assert.match(r.error!.issues[0]!.message, /^bad memory quantity ".*": use a Kubernetes quantity/);
  }
  // Wrong types and NaN fail in the union itself (zod 4's z.number() rejects NaN).
  for (const input of [true, Number.NaN, null]) assert.equal(quantitySchema.safeParse(input).success, false);
});
