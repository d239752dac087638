import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { REPO_ROOT } from '../lab/paths.js';
import { materializeTree } from './cgroup-tree.js';

const SCRIPT = path.join(REPO_ROOT, 'scripts/node-image/base/usr/local/bin/kubelet-cgroup-root');
const RECORDING = path.join(REPO_ROOT, 'test/fixtures/cgroup-v2/kind-node-before-kubelet.tree');

// The kubelet's ExecStartPre on a cgroup v2 node, run against a recorded node tree (files stand in for cgroupfs).
test('on a cgroup v2 node the kubelet step drains the root, enables every controller and creates /kubelet and /kubelet.slice', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'kind-node-v2-'));
  await materializeTree(RECORDING, root);
  const cgroupFs = path.join(root, 'sys/fs/cgroup');
  const controllers = (await readFile(path.join(cgroupFs, 'cgroup.controllers'), 'utf8')).trim().split(' ');
  assert.ok(controllers.includes('hugetlb') && controllers.includes('memory'), 'the recording has the controllers the kubelet needs');
  // The recorded node had none left in its root; kind's design names `docker exec` processes started before the
  // kubelet as the stragglers to move, so two are put there.
  await writeFile(path.join(cgroupFs, 'cgroup.procs'), '4711\n4712\n');
  const stragglers = ['4711', '4712'];

  const result = await execa('bash', [SCRIPT, 'kubelet', 'kubelet.slice'], { env: { CGROUP_FS: cgroupFs }, reject: false });
  assert.equal(result.exitCode, 0, result.stderr);

  const wanted = controllers.map((name) => `+${name}`).join(' ');
  assert.equal((await readFile(path.join(cgroupFs, 'cgroup.subtree_control'), 'utf8')).trim(), wanted);
  const initProcs = (await readFile(path.join(cgroupFs, 'init.scope/cgroup.procs'), 'utf8')).trim().split('\n');
  for (const pid of stragglers) assert.ok(initProcs.includes(pid), `pid ${pid} moved to init.scope`);
  for (const child of ['kubelet', 'kubelet.slice']) {
    assert.ok((await stat(path.join(cgroupFs, child))).isDirectory(), `/${child} exists`);
    assert.equal((await readFile(path.join(cgroupFs, child, 'cgroup.subtree_control'), 'utf8')).trim(), wanted, `/${child} hands every controller down`);
  }
  assert.match(result.stderr, new RegExp(`moved ${stragglers.length} process\\(es\\)`));

  const again = await execa('bash', [SCRIPT, 'kubelet', 'kubelet.slice'], { env: { CGROUP_FS: cgroupFs }, reject: false });
  assert.equal(again.exitCode, 0, 'idempotent (kubelet restarts run it again)');
});

test('the kubelet step fails loudly when a controller cannot be enabled', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'kind-node-v2-ro-'));
  await materializeTree(RECORDING, root);
  const cgroupFs = path.join(root, 'sys/fs/cgroup');
  // The tests run as root, which ignores file modes: a directory in its place makes the write fail.
  await execa('sh', ['-c', `rm -f "${cgroupFs}/cgroup.subtree_control" && mkdir "${cgroupFs}/cgroup.subtree_control"`]);
  const result = await execa('bash', [SCRIPT], { env: { CGROUP_FS: cgroupFs }, reject: false });
  assert.notEqual(result.exitCode, 0);
  assert.match(result.stderr, /cannot enable '\+cpuset .*' in .*cgroup\.subtree_control/);
});

// Recorded on the cgroup v2 guest (scripts/cgroup-v2-host/record-cgroup-trees.sh): the same node after the real step.
test('on the recorded node tree the step enables what the real node showed after its ExecStartPre', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'kind-node-v2-after-'));
  await materializeTree(RECORDING, root);
  const cgroupFs = path.join(root, 'sys/fs/cgroup');
  const result = await execa('bash', [SCRIPT, 'kubelet', 'kubelet.slice'], { env: { CGROUP_FS: cgroupFs }, reject: false });
  assert.equal(result.exitCode, 0, result.stderr);
  const after = path.join(await mkdtemp(path.join(os.tmpdir(), 'kind-node-v2-real-')), 'real');
  await materializeTree(path.join(REPO_ROOT, 'test/fixtures/cgroup-v2/kind-node-after-kubelet.tree'), after);
  const names = async (file: string) => (await readFile(file, 'utf8')).trim().split(/\s+/).map((name) => name.replace(/^\+/, '')).sort();
  for (const dir of ['', 'kubelet', 'kubelet.slice']) {
    const real = await names(path.join(after, 'sys/fs/cgroup', dir, 'cgroup.subtree_control'));
    assert.ok(real.includes('hugetlb') && real.includes('memory'), `the real /${dir} hands down hugetlb and memory`);
    assert.deepEqual(await names(path.join(cgroupFs, dir, 'cgroup.subtree_control')), real, `/${dir}/cgroup.subtree_control`);
  }
});
