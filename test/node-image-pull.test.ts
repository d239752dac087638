import assert from 'node:assert/strict';
import { test } from 'node:test';
import { K8S_VERSION } from '../lab/pins.js';
import { silentProgress } from '../lab/progress.js';
import { STOCK_NODE_IMAGE } from '../lab/runtimes/kind/node-image.js';
import { pullImage } from '../lab/tools/docker-pull.js';

test('the stock image is pinned by digest, and a pull that cannot reach a registry fails fast with its reason', async () => {
  // The stock image runs the same Kubernetes minor as the air-gapped one (lab/pins.json).
  const minor = K8S_VERSION.split('.').slice(0, 2).join('\\.');
  assert.match(STOCK_NODE_IMAGE, new RegExp(`^kindest/node:${minor}\\.\\d+@sha256:[0-9a-f]{64}$`));
  // A registry name that cannot resolve: what every pull meets on a machine without registry access.
  const started = Date.now();
  const failure = await pullImage('registry.invalid/gomemlimit-lab/none:v0', silentProgress);
  assert.ok(failure !== null);
  assert.ok(Date.now() - started < 12_000, `gave up within the 10 s silence bound (${Date.now() - started} ms)`);
});
