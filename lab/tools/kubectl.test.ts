import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transientKubectlFailure } from './kubectl.js';

test('kubectl failures: a slow or restarting API server is retried, a wrong request is not', () => {
  // The first line is the guest's real failure (kind in a cgroup v2 QEMU guest, software emulation).
  assert.ok(transientKubectlFailure('error: error validating "STDIN": error validating data: failed to download openapi: Get "https://127.0.0.1:34763/openapi/v2?timeout=32s": net/http: TLS handshake timeout; if you choose to ignore these errors, turn validation off with --validate=false'));
  assert.ok(transientKubectlFailure('The connection to the server 127.0.0.1:34763 was refused - did you specify the right host or port?\ndial tcp 127.0.0.1:34763: connect: connection refused'));
  assert.ok(transientKubectlFailure('Error from server (ServiceUnavailable): the server is currently unable to handle the request'));
  assert.equal(transientKubectlFailure('Error from server (NotFound): pods "x" not found'), false);
  assert.equal(transientKubectlFailure('Error from server (Forbidden): pods "p1" is forbidden: violates PodSecurity "baseline:latest": hostPath volumes (volume "cgroup")'), false);
  assert.equal(transientKubectlFailure('error: unable to recognize "STDIN": no matches for kind "Deployment" in version "apps/v2"'), false);
});
