import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RUNTIME_FLAGS, flagDefault } from './flags.js';
import { RUNTIMES, RUNTIME_NAMES, pickFlags, runtimesTaking, takesFlag } from './registry.js';

test('the names, and who takes which flag, come from the one table', () => {
  assert.deepEqual(RUNTIME_NAMES, ['kind', 'docker', 'existing']);
  assert.deepEqual(runtimesTaking('memoryProbe'), ['kind', 'docker']);
  assert.deepEqual(runtimesTaking('keepCluster'), ['kind']);
  assert.deepEqual(runtimesTaking('probeImage'), ['existing']);
  assert.equal(takesFlag('existing', 'image'), true);
  assert.equal(takesFlag('docker', 'image'), false);
  // Every flag belongs to some runtime, and every runtime's flags are flags of the table.
  for (const flag of Object.keys(RUNTIME_FLAGS) as (keyof typeof RUNTIME_FLAGS)[]) assert.notDeepEqual(runtimesTaking(flag), [], flag);
  for (const name of RUNTIME_NAMES) for (const flag of RUNTIMES[name].flags) assert.ok(flag in RUNTIME_FLAGS, `${name}: ${flag}`);
});

test('a runtime is given its own flags only, with the defaults filled in', () => {
  const given = { keepCluster: true, memoryProbe: 'host' as const, context: 'ctx', scenario: 'seed' };
  assert.deepEqual(pickFlags(RUNTIMES.kind.flags, given), { keepCluster: true, nodeImage: 'auto', memoryProbe: 'host' });
  assert.deepEqual(pickFlags(RUNTIMES.docker.flags, {}), { memoryProbe: 'auto' });
  assert.deepEqual(pickFlags(RUNTIMES.existing.flags, given), { context: 'ctx', nodeProbe: false });
  assert.equal(flagDefault('nodeImage'), 'auto');
  assert.equal(flagDefault('context'), undefined);
});
