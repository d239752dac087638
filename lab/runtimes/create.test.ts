import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { silentProgress } from '../progress.js';
import { createRuntime } from './create.js';

const refused = (run: () => Promise<unknown>, pattern: RegExp) => assert.rejects(run, (error: unknown) => error instanceof UsageError && pattern.test(error.message) && !error.message.includes('\n'));

test('memory flags are checked against what each runtime declares it offers, not against its name', async () => {
  await refused(() => createRuntime('existing', 'check', { memoryProbe: 'engine' }, silentProgress), /^--memory-probe engine: --runtime existing cannot read memory that way \(it offers node-probe: use --node-probe\)$/);
  assert.deepEqual((await createRuntime('existing', 'check', { nodeProbe: true, memoryProbe: 'auto' }, silentProgress)).capabilities.memory, ['node-probe']);
  assert.deepEqual((await createRuntime('kind', 'check', { memoryProbe: 'host' }, silentProgress)).capabilities.memory, ['host', 'engine']);
  assert.equal((await createRuntime('docker', 'check', { memoryProbe: 'engine' }, silentProgress)).name, 'docker');
});

test("another runtime's flag is a usage error, not ignored; its default value is not a flag given", async () => {
  await refused(() => createRuntime('docker', 'check', { keepCluster: true }, silentProgress), /^--keep-cluster is for --runtime kind, not docker$/);
  await refused(() => createRuntime('kind', 'check', { context: 'x' }, silentProgress), /^--context is for --runtime existing, not kind$/);
  await refused(() => createRuntime('docker', 'check', { nodeProbe: true }, silentProgress), /^--node-probe is for --runtime existing, not docker$/);
  await refused(() => createRuntime('kind', 'check', { probeImage: 'probe:1' }, silentProgress), /^--probe-image is for --runtime existing, not kind$/);
  await refused(() => createRuntime('existing', 'check', { nodeImage: 'kindest/node:v1' }, silentProgress), /^--node-image is for --runtime kind, not existing$/);
  // What the command line holds when no runtime flag was given: commander's defaults, and the other options.
  const untouched = { nodeImage: 'auto', memoryProbe: 'auto' as const, scenario: 'seed' };
  for (const name of ['kind', 'docker', 'existing'] as const) assert.equal((await createRuntime(name, 'check', untouched, silentProgress)).name, name);
});
