import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NODE_IMAGE, STOCK_NODE_IMAGE, chooseNodeImage, type NodeImageSteps } from './node-image.js';

/** Records which steps ran: the order of the auto choice is the claim here, not Docker. */
function steps(local: string[], pullFailure: string | null): NodeImageSteps & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    exists: async (image) => (calls.push(`exists ${image}`), local.includes(image)),
    pull: async (image) => (calls.push(`pull ${image}`), pullFailure),
    build: async (why) => (calls.push(`build (${why})`), NODE_IMAGE),
  };
}

test('--node-image auto: the local store first (stock, then air-gapped), then the pinned pull, then the air-gapped build', async () => {
  const stockHere = steps([STOCK_NODE_IMAGE, NODE_IMAGE], null);
  assert.deepEqual(await chooseNodeImage('auto', stockHere), { image: STOCK_NODE_IMAGE, source: 'local store', reason: `node image ${STOCK_NODE_IMAGE} (stock kind image, already in the local store)` });
  const builtHere = steps([NODE_IMAGE], null);
  assert.equal((await chooseNodeImage('auto', builtHere)).source, 'local store');
  assert.ok(!builtHere.calls.some((call) => call.startsWith('pull')), 'no pull when an image is here');
  const online = steps([], null);
  assert.equal((await chooseNodeImage('auto', online)).source, 'pulled');
  assert.ok(!online.calls.some((call) => call.startsWith('build')));
  const offline = steps([], 'lookup registry-1.docker.io: no such host (after 0.3 s)');
  const fallback = await chooseNodeImage('auto', offline);
  assert.equal(fallback.source, 'built');
  assert.equal(fallback.image, NODE_IMAGE);
  assert.match(fallback.reason, /air-gapped build: the pull of the stock kindest\/node:v1\.37\.0 failed: lookup registry-1\.docker\.io: no such host/);
  assert.deepEqual(offline.calls.at(-1), 'build (lookup registry-1.docker.io: no such host (after 0.3 s))');
  const given = steps([], null);
  assert.equal((await chooseNodeImage('kindest/node:v1.33.1', given)).source, 'given');
  assert.deepEqual(given.calls, []);
});
