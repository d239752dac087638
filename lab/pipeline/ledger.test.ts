import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { makeResultsFixture } from '../../test/fixtures/results-fixture.js';
import { RunLedger } from './ledger.js';

const [first, second] = makeResultsFixture().runs;

test('saves run one after another, each writing what had finished when it ran; a failed save does not stop the next', async () => {
  const ledger = new RunLedger();
  const events: string[] = [];
  ledger.started(first!.id);
  ledger.finished(first!);
  const slow = ledger.save(async (snapshot) => {
    events.push(`start 1 (${snapshot.records.length})`);
    await sleep(30);
    events.push('end 1');
    throw new Error('disk full');
  });
  ledger.started(second!.id);
  ledger.finished(second!);
  const fast = ledger.save(async (snapshot) => {
    events.push(`start 2 (${snapshot.records.length})`);
    return snapshot.order;
  });
  await assert.rejects(slow, /disk full/);
  assert.deepEqual(await fast, [first!.id, second!.id]);
  assert.deepEqual(events, ['start 1 (2)', 'end 1', 'start 2 (2)']); // the first ran after both had finished
  assert.equal(ledger.finishedCount, 2);
});

test('a snapshot is a copy: what finishes during a save is in the next one', async () => {
  const ledger = new RunLedger();
  ledger.finished(first!);
  const seen = await ledger.save(async (snapshot) => {
    ledger.finished(second!);
    ledger.triedAgain({ id: 'x', variant: 'x', attempt: 1, startedAt: '', cause: 'c' });
    return snapshot;
  });
  assert.equal(seen.records.length, 1);
  assert.equal(seen.retried.length, 0);
  assert.equal(ledger.snapshot().records.length, 2);
});
