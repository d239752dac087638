import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kubectl } from '../../tools/kubectl.js';
import { admissionRefusal, nodeProbeManifest } from './node-probe.js';

const site = { kubectl: new Kubectl('kubectl', undefined), namespace: 'gomemlimit-lab-r1', runId: 'r1', image: 'gomemlimit-lab/cgroup-probe:0123456789ab' };

test("the node probe pod: on the workload's node, the node's cgroupfs read-only, no privilege, labelled for cleanup", () => {
  const pod = nodeProbeManifest(site, 'node-probe-1', 'worker-2', ['id:abc']) as {
    metadata: { labels: Record<string, string> };
    spec: { nodeName?: string; containers: { args: string[]; volumeMounts: { readOnly: boolean }[]; securityContext: Record<string, unknown> }[]; volumes: { hostPath: { path: string } }[] };
  };
  assert.equal(pod.spec.nodeName, 'worker-2');
  assert.deepEqual(pod.spec.containers[0]!.args.slice(-1), ['id:abc']);
  assert.equal(pod.spec.volumes[0]!.hostPath.path, '/sys/fs/cgroup');
  assert.equal(pod.spec.containers[0]!.volumeMounts[0]!.readOnly, true);
  assert.equal(pod.spec.containers[0]!.securityContext.allowPrivilegeEscalation, false);
  assert.equal(pod.metadata.labels['gomemlimit-lab.run'], 'r1');
  assert.equal((nodeProbeManifest(site, 'canary', null, ['id:x']) as { spec: { nodeName?: string } }).spec.nodeName, undefined, 'a canary is placed by the scheduler');
});

// The messages are kubectl 1.34's, recorded against a kind cluster.
test("admission refusals are told from other failures, with the API server's reason", () => {
  assert.equal(
    admissionRefusal('Error from server (Forbidden): pods "node-probe-1" is forbidden: violates PodSecurity "baseline:latest": hostPath volumes (volume "cgroup")'),
    'violates PodSecurity "baseline:latest": hostPath volumes (volume "cgroup")',
  );
  assert.equal(
    admissionRefusal('Error from server (Forbidden): admission webhook "validate.kyverno.svc" denied the request: hostPath is not allowed'),
    'hostPath is not allowed',
  );
  assert.equal(
    admissionRefusal(
      'Warning: would violate PodSecurity "restricted:latest": restricted volume types (volume "cgroup" uses restricted volume type "hostPath")\n' +
        'The pods "p1" is invalid: : ValidatingAdmissionPolicy \'no-hostpath\' with binding \'no-hostpath\' denied request: hostPath volumes are not allowed here',
    ),
    "ValidatingAdmissionPolicy 'no-hostpath' with binding 'no-hostpath' denied request: hostPath volumes are not allowed here",
  );
  assert.equal(admissionRefusal('Warning: would violate PodSecurity "restricted:latest": seccompProfile'), null, 'a warning is no refusal');
  assert.equal(admissionRefusal('error: the server doesn\'t have a resource type "pods"'), null);
  assert.equal(admissionRefusal('Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused'), null);
});
