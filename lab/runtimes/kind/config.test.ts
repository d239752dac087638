import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { NODE_IMAGE, STOCK_NODE_IMAGE } from './node-image.js';
import { KIND_CONFIG, clusterConfigFor } from './config.js';

const KUBELET_V1_PATCH = { kind: 'KubeletConfiguration', failCgroupV1: false };

test('kind config: the air-gapped node image keeps its settings; a stock image gets kindnet and CoreDNS back', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kind-config-'));
  assert.equal(await clusterConfigFor(NODE_IMAGE, dir), KIND_CONFIG);
  const airGapped = parseYaml(await readFile(KIND_CONFIG, 'utf8'));
  assert.equal(airGapped.networking.disableDefaultCNI, true);
  assert.deepEqual(airGapped.kubeadmConfigPatches.map((patch: string) => parseYaml(patch)), [
    { kind: 'InitConfiguration', skipPhases: ['preflight', 'addon/coredns'] },
    KUBELET_V1_PATCH,
  ]);
  const stock = parseYaml(await readFile(await clusterConfigFor(STOCK_NODE_IMAGE, dir), 'utf8'));
  assert.equal(stock.networking.disableDefaultCNI, undefined);
  // The kubelet from 1.35 on needs failCgroupV1: false on a cgroup v1 host, whichever image it came in.
  assert.deepEqual(stock.kubeadmConfigPatches.map((patch: string) => parseYaml(patch)), [KUBELET_V1_PATCH]);
  assert.equal(stock.networking.apiServerAddress, '127.0.0.1');
  assert.equal(stock.nodes[0].extraPortMappings[0].listenAddress, '127.0.0.1');
});

test('kind config: LAB_TIMEOUT_SCALE stretches kubeadm\'s control-plane check in v1beta3 and v1beta4, keeping the other patches', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kind-config-'));
  const env = { LAB_TIMEOUT_SCALE: '8' };
  const timeouts = [
    { apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'ClusterConfiguration', apiServer: { timeoutForControlPlane: '1920s' } },
    { apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'InitConfiguration', timeouts: { controlPlaneComponentHealthCheck: '1920s' } },
  ];
  const airGapped = parseYaml(await readFile(await clusterConfigFor(NODE_IMAGE, dir, env), 'utf8'));
  const airGappedPatches = airGapped.kubeadmConfigPatches.map((patch: string) => parseYaml(patch));
  assert.equal(airGappedPatches.length, 4);
  assert.deepEqual(airGappedPatches[0].skipPhases, ['preflight', 'addon/coredns']);
  assert.deepEqual(airGappedPatches.slice(1), [KUBELET_V1_PATCH, ...timeouts]);
  const stock = parseYaml(await readFile(await clusterConfigFor('kindest/node:v1.34.0', dir, env), 'utf8'));
  assert.deepEqual(stock.kubeadmConfigPatches.map((patch: string) => parseYaml(patch)), [KUBELET_V1_PATCH, ...timeouts]);
  assert.equal(stock.networking.disableDefaultCNI, undefined);
  await assert.rejects(clusterConfigFor(NODE_IMAGE, dir, { LAB_TIMEOUT_SCALE: 'slow' }), /LAB_TIMEOUT_SCALE=slow: use a number from 1 to 100/);
});
