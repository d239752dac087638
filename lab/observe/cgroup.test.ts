import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { materializeTree } from '../../test/cgroup-tree.js';
import { cgroupPathsFromProcFile, cgroupPathsOfPid, deathsFromEvents, hostCgroupProbe, readCgroup } from './cgroup.js';
import { cpuAccumulator } from './sampler.js';

const FIXTURES = path.join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'cgroup-v2');

test('cgroup directories come from /proc/PID/cgroup: v1 controllers (separate or joined mounts), else the v2 0:: line', () => {
  const hybrid = '12:pids:/docker/abc\n4:memory:/docker/abc\n2:cpuacct:/docker/abc\n1:cpu:/docker/abc\n1:name=systemd:/docker/abc\n0::/system.slice/docker.service\n';
  assert.deepEqual(cgroupPathsFromProcFile(hybrid, '/sys/fs/cgroup'), {
    version: 'v1',
    memory: '/sys/fs/cgroup/memory/docker/abc',
    cpu: '/sys/fs/cgroup/cpu/docker/abc',
    cpuacct: '/sys/fs/cgroup/cpuacct/docker/abc',
  });
  const joined = '5:memory:/kubepods/x\n3:cpu,cpuacct:/kubepods/x\n';
  assert.equal(cgroupPathsFromProcFile(joined)?.cpu, '/sys/fs/cgroup/cpu,cpuacct/kubepods/x');
  const v2 = '0::/system.slice/docker-abc.scope\n';
  const dir = '/sys/fs/cgroup/system.slice/docker-abc.scope';
  assert.deepEqual(cgroupPathsFromProcFile(v2), { version: 'v2', memory: dir, cpu: dir, cpuacct: null });
  assert.equal(cgroupPathsFromProcFile(''), null);
  assert.equal(cgroupPathsFromProcFile('1:name=systemd:/x\n'), null);
});

// Recorded on the cgroup v2 guest (scripts/cgroup-v2-host/record-cgroup-trees.sh): a --memory 64m container after one OOM kill.
test('a recorded cgroup v2 host: the container found from /proc, memory.current, memory.peak, memory.events and cpu.stat read', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cgroup-v2-host-'));
  await materializeTree(path.join(FIXTURES, 'host.tree'), root);
  const paths = await cgroupPathsOfPid(678, path.join(root, 'sys/fs/cgroup'), path.join(root, 'proc'));
  assert.equal(paths?.version, 'v2');
  assert.match(paths!.memory, /system\.slice\/docker-9d447a10[0-9a-f]+\.scope$/);
  assert.deepEqual(await readCgroup(paths!), {
    usageBytes: 2551808,
    peakBytes: 67108864,
    oomKills: 1,
    cpu: { usageUsec: 4003091, throttledUsec: 0, throttledPeriods: 0, periods: 0, pressureUsec: null }, // not recorded in the tree
  });
  // cpu.pressure (PSI, v2 only): the cumulative "some" stall.
  await writeFile(path.join(paths!.cpu!, 'cpu.pressure'), 'some avg10=12.00 avg60=3.00 avg300=1.00 total=2500000\nfull avg10=10.00 avg60=2.00 avg300=0.50 total=2000000\n');
  assert.equal((await readCgroup(paths!))?.cpu?.pressureUsec, 2_500_000);
  assert.equal(await readCgroup({ ...paths!, memory: path.join(root, 'gone') }), null, 'a removed cgroup reads as gone');
});

// Recorded on this project's cgroup v1 machine: a --cpus 0.2 go-sample container just after one 8 MiB request.
test('a recorded cgroup v1 host: cpu and cpuacct on their own mounts, nr_periods and nr_throttled read from cpu.stat', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cgroup-v1-host-'));
  await materializeTree(path.join(FIXTURES, '..', 'cgroup-v1', 'throttled.tree'), root);
  const paths = await cgroupPathsOfPid(4242, path.join(root, 'sys/fs/cgroup'), path.join(root, 'proc'));
  assert.equal(paths?.version, 'v1');
  assert.deepEqual(await readCgroup(paths!), {
    usageBytes: 62013440,
    peakBytes: 62013440,
    oomKills: 0,
    cpu: { usageUsec: 143267, throttledUsec: 579785, throttledPeriods: 5, periods: 10 },
  });
});

test('cgroup v1 files give usage, the kernel peak, OOM kills and cpu throttling; a missing memory.peak (v2 before 5.19) is null', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cgroup-v1-'));
  const memory = path.join(root, 'memory');
  const cpu = path.join(root, 'cpu');
  await mkdir(memory);
  await mkdir(cpu);
  await writeFile(path.join(memory, 'memory.usage_in_bytes'), '419430400\n');
  await writeFile(path.join(memory, 'memory.max_usage_in_bytes'), '419434496\n');
  await writeFile(path.join(memory, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
  await writeFile(path.join(cpu, 'cpu.stat'), 'nr_periods 90\nnr_throttled 80\nthrottled_time 4000000000\n');
  await writeFile(path.join(cpu, 'cpuacct.usage'), '1500000000\n');
  assert.deepEqual(await readCgroup({ version: 'v1', memory, cpu, cpuacct: cpu }), {
    usageBytes: 419430400,
    peakBytes: 419434496,
    oomKills: 1,
    cpu: { usageUsec: 1500000, throttledUsec: 4000000, throttledPeriods: 80, periods: 90 },
  });
  const v2 = path.join(root, 'v2');
  await mkdir(v2);
  await writeFile(path.join(v2, 'memory.current'), '1000\n');
  assert.deepEqual(await readCgroup({ version: 'v2', memory: v2, cpu: v2, cpuacct: null }), { usageBytes: 1000, peakBytes: null, oomKills: null, cpu: null });
});

test('OOM deaths: oom_group_kill where the kubelet groups kills (the victim counts twice in oom_kill), else oom_kill', () => {
  // Recorded in the cgroup v2 guest: one kind pod's container killed once, memory.oom.group 1.
  assert.equal(deathsFromEvents(new Map([['oom', 1], ['oom_kill', 2], ['oom_group_kill', 1]])), 1);
  assert.equal(deathsFromEvents(new Map([['oom', 1], ['oom_kill', 1], ['oom_group_kill', 0]])), 1); // docker: no group
  assert.equal(deathsFromEvents(new Map([['oom_kill', 3]])), 3); // v1, or a v2 kernel before oom_group_kill
  assert.equal(deathsFromEvents(new Map([['oom', 0]])), null);
});

test('cpu counters are summed across cgroup lifetimes (a restart starts them at zero)', () => {
  const cpu = cpuAccumulator();
  assert.equal(cpu.totals(), null);
  cpu.add({ usageUsec: 1_000_000, throttledUsec: 200_000, throttledPeriods: 3, periods: 10 });
  cpu.add({ usageUsec: 2_500_000, throttledUsec: 500_000, throttledPeriods: 7, periods: 25 });
  cpu.add({ usageUsec: 100_000, throttledUsec: 0, throttledPeriods: 0, periods: 1 }); // the restarted container's new cgroup
  assert.deepEqual(cpu.totals(), { usageSeconds: 2.6, throttledSeconds: 0.5, throttledPeriods: 7, periods: 26, pressureSeconds: null });
  // v2's cpu.pressure stall is banked across lifetimes like the rest.
  const v2 = cpuAccumulator();
  v2.add({ usageUsec: 1_000_000, throttledUsec: 0, throttledPeriods: 0, periods: 0, pressureUsec: 400_000 });
  v2.add({ usageUsec: 50_000, throttledUsec: 0, throttledPeriods: 0, periods: 0, pressureUsec: 100_000 });
  assert.equal(v2.totals()?.pressureSeconds, 0.5);
});

test('the host probe names the cgroup version it read, also after the cgroup is gone (an OOM kill)', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cgroup-probe-'));
  const dir = path.join(root, 'sys/fs/cgroup/system.slice/docker-x.scope');
  await mkdir(dir, { recursive: true });
  await mkdir(path.join(root, 'proc/77'), { recursive: true });
  await writeFile(path.join(root, 'proc/77/cgroup'), '0::/system.slice/docker-x.scope\n');
  await writeFile(path.join(dir, 'memory.current'), '5\n');
  const probe = hostCgroupProbe(async () => 77, () => '', { fs: { root: path.join(root, 'sys/fs/cgroup'), proc: path.join(root, 'proc') } });
  assert.equal(probe.source, 'host cgroup (never found)');
  assert.equal((await probe.read())?.usageBytes, 5);
  await rm(dir, { recursive: true });
  assert.equal(await probe.read(), null);
  assert.equal(probe.source, 'host cgroup v2');
});

test("the host probe never reads a memory cgroup that does not name the container (a process runc is still moving in)", async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cgroup-probe-'));
  const node = path.join(root, 'sys/fs/cgroup/system.slice/docker-node.scope');
  const container = path.join(node, 'kubelet.slice/cri-containerd-abc.scope');
  await mkdir(container, { recursive: true });
  await writeFile(path.join(node, 'memory.current'), String(5 * 2 ** 30)); // the whole kind node
  await writeFile(path.join(container, 'memory.current'), '7\n');
  await mkdir(path.join(root, 'proc/77'), { recursive: true });
  const fs = { root: path.join(root, 'sys/fs/cgroup'), proc: path.join(root, 'proc') };
  await writeFile(path.join(root, 'proc/77/cgroup'), '0::/system.slice/docker-node.scope\n');
  assert.equal(await hostCgroupProbe(async () => 77, () => 'abc', { fs }).read(), null);
  await writeFile(path.join(root, 'proc/77/cgroup'), '0::/system.slice/docker-node.scope/kubelet.slice/cri-containerd-abc.scope\n');
  assert.equal((await hostCgroupProbe(async () => 77, () => 'abc', { fs }).read())?.usageBytes, 7);
});

test("the host probe of a pod's container reads the pod cgroup's peak, also once the container's cgroup is gone", async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cgroup-probe-'));
  const pod = path.join(root, 'sys/fs/cgroup/memory/docker/node/kubelet/kubepods/burstable/pod5e0c');
  await mkdir(path.join(pod, 'abc'), { recursive: true });
  await writeFile(path.join(pod, 'abc/memory.usage_in_bytes'), '7\n');
  await writeFile(path.join(pod, 'memory.max_usage_in_bytes'), `${128 * 2 ** 20}\n`);
  await mkdir(path.join(root, 'proc/77'), { recursive: true });
  await writeFile(path.join(root, 'proc/77/cgroup'), '4:memory:/docker/node/kubelet/kubepods/burstable/pod5e0c/abc\n');
  const fs = { root: path.join(root, 'sys/fs/cgroup'), proc: path.join(root, 'proc') };
  const probe = hostCgroupProbe(async () => 77, () => 'abc', { fs, inPod: true });
  assert.equal(await probe.podPeak!(), null, 'nothing found yet');
  assert.equal((await probe.read())?.usageBytes, 7);
  await rm(path.join(pod, 'abc'), { recursive: true });
  assert.equal(await probe.read(), null);
  assert.equal(await probe.podPeak!(), 128 * 2 ** 20);
  assert.equal(hostCgroupProbe(async () => 77, () => 'abc', { fs }).podPeak, undefined, "a docker container's parent is shared: no pod peak");
});
