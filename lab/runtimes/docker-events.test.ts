import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLedger } from './docker-events.js';

const event = (action: string, id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ Type: 'container', Action: action, Actor: { ID: id, Attributes: { exitCode: '137' } }, timeNano: 1_700_000_000_000_000_000, ...extra });

test('the engine\'s events: lines split across chunks are joined, a malformed line is skipped and counted, oom before die is an OOM kill', () => {
  const ledger = new EventLedger();
  const stream = `${event('oom', 'a')}\n{not json}\n${event('die', 'a')}\n${event('die', 'b')}\n`;
  ledger.feed(stream.slice(0, 40));
  ledger.feed(stream.slice(40, 101));
  ledger.feed(stream.slice(101));
  assert.equal(ledger.malformed, 1);
  assert.deepEqual(ledger.terminations.get('a')?.map((t) => [t.reason, t.exitCode, t.oomKilled]), [['OOMKilled', 137, true]]);
  assert.deepEqual(ledger.terminations.get('b')?.map((t) => [t.reason, t.oomKilled]), [['Error', false]]);
  assert.equal(ledger.lost, null);
});
