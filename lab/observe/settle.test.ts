import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Instance } from '../runtimes/runtime.js';
import type { RequestResult } from '../model/results.js';
import { logsAfterRequests } from './settle.js';

const METRICS = '{"level":"info","msg":"request metrics","ok":true}\n';

/** An instance whose log gains each line only after the given delay, as a sample writes its metrics line last. */
function laggingInstance(lines: { afterMs: number; text: string }[]): Instance {
  const started = Date.now();
  const logs = async () => lines.filter((line) => Date.now() - started >= line.afterMs).map((line) => line.text).join('');
  return { logs } as unknown as Instance;
}

const request = (seq: number, errorKind: RequestResult['errorKind']): RequestResult =>
  ({ seq, startedAt: new Date().toISOString(), latencyMs: 10, status: errorKind ? 0 : 200, error: errorKind ? 'EOF' : '', errorKind });

test('logsAfterRequests waits for the metrics line of every answered request', async () => {
  const instance = laggingInstance([{ afterMs: 0, text: 'write done\n' }, { afterMs: 300, text: METRICS }, { afterMs: 600, text: METRICS }]);
  const logs = await logsAfterRequests(instance, [request(1, null), request(2, null)], 5_000);
  assert.equal(logs.split('request metrics').length - 1, 2);
});

test('logsAfterRequests does not wait for requests that were not answered, and gives up after its timeout', async () => {
  const killed = laggingInstance([{ afterMs: 0, text: 'marshal response\n' }]);
  let started = Date.now();
  assert.equal(await logsAfterRequests(killed, [request(1, 'eof')], 5_000), 'marshal response\n');
  assert.ok(Date.now() - started < 1_000, 'no wait for a request that died');
  started = Date.now();
  await logsAfterRequests(killed, [request(1, null)], 500);
  assert.ok(Date.now() - started >= 500, 'waited out the timeout');
});
