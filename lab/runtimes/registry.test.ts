import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { RUNTIME_FLAGS, flagDefault } from './flags.js';
import { RUNTIMES, RUNTIME_NAMES, pickFlags, refuseForeignFlags, runtimesTaking, takesFlag } from './registry.js';

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

test("a flag of another runtime is one usage error line naming who takes it; its default, or a flag not given, is not", () => {
  const refused = (run: () => void, message: string) => assert.throws(run, (error: unknown) => error instanceof UsageError && error.message === message);
  refused(() => refuseForeignFlags('docker', { keepCluster: true }), '--keep-cluster is for --runtime kind, not docker');
  refused(() => refuseForeignFlags('existing', { memoryProbe: 'host' }), '--memory-probe is for --runtime kind or docker, not existing');
  refused(() => refuseForeignFlags('kind', { image: 'x/y:1' }), '--image is for --runtime existing, not kind');
  const defaults = { memoryProbe: 'auto' as const, nodeImage: 'auto', keepCluster: undefined, scenario: 'seed' }; // a command line with no runtime flag
  assert.doesNotThrow(() => refuseForeignFlags('existing', defaults));
  assert.doesNotThrow(() => refuseForeignFlags('kind', { keepCluster: true, nodeImage: 'mine:1', memoryProbe: 'engine' }));
});
