import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { silentProgress } from '../progress.js';
import { createRuntime } from './create.js';

const refused = (run: () => Promise<unknown>, pattern: RegExp) => assert.rejects(run, (error: unknown) => error instanceof UsageError && pattern.test(error.message) && !error.message.includes('\n'));

test('memory flags are checked against what each runtime declares it offers, not against its name', async () => {
  await refused(() => createRuntime('docker', 'check', { nodeProbe: true }, silentProgress), /^--node-probe is for a cluster the lab does not run: --runtime docker/);
  await refused(() => createRuntime('kind', 'check', { probeImage: 'probe:1' }, silentProgress), /--runtime kind reads memory on the engine itself/);
  await refused(() => createRuntime('existing', 'check', { memoryProbe: 'engine' }, silentProgress), /^--memory-probe engine: --runtime existing cannot read memory that way \(it offers node-probe: use --node-probe\)$/);
  assert.deepEqual((await createRuntime('existing', 'check', { nodeProbe: true, memoryProbe: 'auto' }, silentProgress)).capabilities.memory, ['node-probe']);
  assert.deepEqual((await createRuntime('kind', 'check', { memoryProbe: 'host' }, silentProgress)).capabilities.memory, ['host', 'engine']);
  assert.equal((await createRuntime('docker', 'check', { memoryProbe: 'engine' }, silentProgress)).name, 'docker');
});
