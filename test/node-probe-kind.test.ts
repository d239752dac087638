// --node-probe on a kind cluster used as an existing cluster: its peaks must agree with the kind runtime's
// host read within 3%, and a namespace whose admission forbids hostPath is refused with one line.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { median } from '../lab/analyse/stats.js';
import { silentProgress } from '../lab/progress.js';
import { readResults } from '../lab/report/write.js';
import type { Results } from '../lab/model/results.js';
import { KIND_CLUSTER } from '../lab/runtimes/kind/runtime.js';
import { buildCgroupProbe } from '../lab/build/cgroup-probe.js';
import { ensureKind, loadImage } from '../lab/runtimes/kind/cli.js';
import { requireKubectl } from '../lab/tools/kubectl.js';
import { spawnLab } from './helpers.js';

// One at a time: side by side, baseline at the seed's frontier now and then survives below the limit (README).
// The machine's Go: the existing runtime runs the image kind loaded, which that Go built.
const SCENARIO = ['--scenario', 'seed-v2', '--reps', '2', '--parallel', '1', '--go', 'local', '--quiet'];
/** Two runs' medians of two peaks each: a probe reading the wrong cgroup misses by far more than this. */
const PEAK_AGREEMENT = 0.03;
const CONTEXT = `kind-${KIND_CLUSTER}`;

const NO_HOSTPATH_POLICY = `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: { name: gomemlimit-lab-test-no-hostpath }
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] }]
    namespaceSelector: { matchExpressions: [{ key: gomemlimit-lab, operator: Exists }] }
  validations:
    - expression: "!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath))"
      message: hostPath volumes are not allowed here
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: { name: gomemlimit-lab-test-no-hostpath }
spec: { policyName: gomemlimit-lab-test-no-hostpath, validationActions: [Deny] }
`;

function medianPeak(results: Results, variant: string): number {
  return median(results.runs.filter((run) => run.variant === variant).map((run) => run.memory.peakBytes!))!;
}

test('--node-probe on a kind cluster used as an existing one agrees with the kind host read; a namespace that forbids hostPath is refused', { timeout: 30 * 60_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lab-node-probe-'));
  const kind = (await ensureKind(silentProgress)).path;
  const kubeconfig = path.join(dir, 'kubeconfig');
  const env = { KUBECONFIG: kubeconfig };
  try {
    const viaKind = await spawnLab(['--runtime', 'kind', ...SCENARIO, '--keep-cluster', '--out', path.join(dir, 'kind')], {});
    assert.equal(viaKind.exitCode, 0, viaKind.stderr);
    const kindResults = await readResults(path.join(dir, 'kind'));
    assert.equal(kindResults.environment.memoryProbe?.probe, 'host');

    // What a user of an existing cluster does: make both images pullable there (kind load), name the context.
    const sample = kindResults.environment.versions.image!;
    const probeImage = (await buildCgroupProbe(silentProgress)).image;
    await loadImage(kind, KIND_CLUSTER, probeImage);
    await writeFile(kubeconfig, (await execa(kind, ['get', 'kubeconfig', '--name', KIND_CLUSTER])).stdout);
    const existing = ['--runtime', 'existing', '--context', CONTEXT, '--image', sample, '--node-probe', '--probe-image', probeImage];
    const viaProbe = await spawnLab([...existing, ...SCENARIO, '--out', path.join(dir, 'existing')], { env });
    assert.equal(viaProbe.exitCode, 0, viaProbe.stderr);
    const probeResults = await readResults(path.join(dir, 'existing'));
    assert.equal(probeResults.environment.memoryProbe?.probe, 'node-probe');
    for (const run of probeResults.runs) {
      assert.match(run.memory.source, /^node probe cgroup v[12]$/);
      assert.ok(run.memory.peakBytes !== null, `${run.id} has a peak`);
    }
    // A kill's last burst goes with the container's cgroup; the pod's, which outlives it, still holds it.
    for (const run of [...kindResults.runs, ...probeResults.runs].filter((candidate) => candidate.oomKills > 0)) {
      assert.ok(run.memory.peakBytes! >= 0.98 * run.memory.limitBytes, `${run.id} was killed at its limit, but its peak reads ${run.memory.peakBytes} (${run.memory.peakFrom})`);
    }
    for (const variant of ['baseline', 'gomemlimit']) {
      const hostPeak = medianPeak(kindResults, variant);
      const probePeak = medianPeak(probeResults, variant);
      assert.ok(Math.abs(probePeak - hostPeak) / hostPeak <= PEAK_AGREEMENT, `${variant}: node probe ${probePeak} vs kind host read ${hostPeak}`);
    }

    // A cluster whose admission forbids hostPath pods in the lab's namespaces.
    const kubectl = await requireKubectl();
    await execa(kubectl, ['--context', CONTEXT, 'apply', '-f', '-'], { input: NO_HOSTPATH_POLICY, env });
    await new Promise((resolve) => setTimeout(resolve, 3000)); // the policy is type-checked before it applies
    const refused = await spawnLab([...existing, ...SCENARIO, '--out', path.join(dir, 'refused')], { env });
    assert.equal(refused.exitCode, 2, refused.stderr);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /^error: --node-probe: namespace gomemlimit-lab-\S+ does not admit the probe's hostPath pod: .*hostPath volumes are not allowed here/);
    const namespace = /namespace (\S+)/.exec(refused.stderr)![1]!;
    const pods = await execa(kubectl, ['--context', CONTEXT, 'get', 'pods', '-n', namespace, '-o', 'name'], { env });
    assert.equal(pods.stdout.trim(), '', 'nothing of the refused run was created');
    const left = await execa(kubectl, ['--context', CONTEXT, 'get', 'namespace', namespace, '-o', 'jsonpath={.status.phase}'], { env, reject: false });
    assert.ok(left.exitCode !== 0 || left.stdout === 'Terminating', `namespace ${namespace} is deleted (${left.stdout})`);
  } finally {
    await execa(kind, ['delete', 'cluster', '--name', KIND_CLUSTER], { reject: false });
  }
});
