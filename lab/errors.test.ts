import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InterruptedError } from './errors.js';

test('Ctrl-C says what it left as it is: a failed save or cleanup is named, not assumed', () => {
  assert.equal(new InterruptedError('SIGINT').report(), "interrupted by SIGINT: the lab's containers are removed; results.json is marked incomplete");
  assert.equal(
    new InterruptedError('SIGINT', { saved: 'ENOSPC: no space left on device', cleaned: 'connect ECONNREFUSED /var/run/docker.sock' }).report(),
    "interrupted by SIGINT: removing the lab's containers failed (connect ECONNREFUSED /var/run/docker.sock): run npm run lab:clean; saving results.json failed (ENOSPC: no space left on device)",
  );
  assert.match(new InterruptedError('SIGTERM', { saved: 'no run folder yet', cleaned: null }).report(), /containers are removed; no results were written yet$/);
});
