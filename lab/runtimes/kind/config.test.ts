import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { NODE_IMAGE } from './node-image.js';
import { clusterConfigFor } from './config.js';

test('kind config: the air-gapped node image keeps its settings; a stock image gets kindnet and CoreDNS back', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kind-config-'));
  const airGapped = parseYaml(await readFile(await clusterConfigFor(NODE_IMAGE, dir), 'utf8'));
  assert.equal(airGapped.networking.disableDefaultCNI, true);
  assert.ok(airGapped.kubeadmConfigPatches);
  const stock = parseYaml(await readFile(await clusterConfigFor('kindest/node:v1.34.0', dir), 'utf8'));
  assert.equal(stock.networking.disableDefaultCNI, undefined);
  assert.equal(stock.kubeadmConfigPatches, undefined);
  assert.equal(stock.networking.apiServerAddress, '127.0.0.1');
  assert.equal(stock.nodes[0].extraPortMappings[0].listenAddress, '127.0.0.1');
});

test('kind config: LAB_TIMEOUT_SCALE stretches kubeadm\'s control-plane check for either image, keeping the other patches', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kind-config-'));
  const env = { LAB_TIMEOUT_SCALE: '8' };
  const airGapped = parseYaml(await readFile(await clusterConfigFor(NODE_IMAGE, dir, env), 'utf8'));
  assert.equal(airGapped.kubeadmConfigPatches.length, 2);
  assert.match(airGapped.kubeadmConfigPatches[0], /addon\/coredns/);
  assert.deepEqual(parseYaml(airGapped.kubeadmConfigPatches[1]), { kind: 'ClusterConfiguration', apiServer: { timeoutForControlPlane: '1920s' } });
  const stock = parseYaml(await readFile(await clusterConfigFor('kindest/node:v1.34.0', dir, env), 'utf8'));
  assert.equal(stock.kubeadmConfigPatches.length, 1);
  assert.equal(stock.networking.disableDefaultCNI, undefined);
  await assert.rejects(clusterConfigFor(NODE_IMAGE, dir, { LAB_TIMEOUT_SCALE: 'slow' }), /LAB_TIMEOUT_SCALE=slow: use a number from 1 to 100/);
});
