import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyError, parseVegetaResults } from './vegeta.js';

test('vegeta results: the lazy end-of-targets marker is not a request, and failures are classified', () => {
  const lines = [
    { seq: 1, code: 0, timestamp: '2026-11-29T11:16:19Z', latency: 4e3, bytes_out: 0, bytes_in: 0, error: 'no targets to attack' },
    { seq: 0, code: 0, timestamp: '2026-11-29T11:16:12Z', latency: 6.6e9, bytes_out: 0, bytes_in: 0, error: 'Get "http://127.0.0.1:1/bulk": EOF' },
  ].map((line) => JSON.stringify(line));
  const results = parseVegetaResults(lines.join('\n'));
  assert.equal(results.length, 1);
  assert.equal(results[0]!.errorKind, 'eof');
  assert.equal(results[0]!.latencyMs, 6600);
});

test('transport errors map to the kinds a dying or restarting server produces', () => {
  assert.equal(classifyError(200, ''), null);
  assert.equal(classifyError(0, 'Get "x": unexpected EOF'), 'eof');
  assert.equal(classifyError(0, 'read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer'), 'reset');
  assert.equal(classifyError(0, 'dial tcp 127.0.0.1:2: connect: connection refused'), 'refused');
  assert.equal(classifyError(0, 'Get "x": context deadline exceeded (Client.Timeout exceeded while awaiting headers)'), 'timeout');
  assert.equal(classifyError(503, ''), 'http');
  assert.equal(classifyError(0, 'something odd'), 'other');
});
