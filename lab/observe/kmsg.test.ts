import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countOomKills, kernelOomKills, oomKillCgroup, readKernelRecords } from './kmsg.js';

const DOCKER = '500344910ee5fca9e7b92fe5047da0fd347e75441db254083b8b9a8b2d3f87fe';
// Recorded on this machine (cgroup v1, docker), and the shape a kind pod's container has under cgroupfs.
const docker = `3,1187,11664641569,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=${DOCKER},mems_allowed=0,oom_memcg=/docker/${DOCKER},task_memcg=/docker/${DOCKER},task=go-sample,pid=32450,uid=65532`;
const kind = '3,2201,12001000000,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=abc,mems_allowed=0,oom_memcg=/docker/0aefb886a5e2/kubepods/burstable/pod1c2d/6f1e2d3c4b5a69788796a5b4c3d2e1f0,task_memcg=/docker/0aefb886a5e2/kubepods/burstable/pod1c2d/6f1e2d3c4b5a69788796a5b4c3d2e1f0,task=go-sample,pid=4242,uid=65532';
const other = '6,1190,11664642000,-;Memory cgroup out of memory: Killed process 32450 (go-sample) total-vm:1234kB';

test('memcg OOM kill records are matched to the instance by the container id in task_memcg', () => {
  assert.equal(oomKillCgroup(docker), `/docker/${DOCKER}`);
  assert.equal(oomKillCgroup(other), null);
  assert.equal(countOomKills([docker, kind, other, docker], [DOCKER]), 2);
  assert.equal(countOomKills([docker, kind], ['6f1e2d3c4b5a69788796a5b4c3d2e1f0']), 1);
  assert.equal(countOomKills([docker], ['']), 0, 'an empty key matches nothing');
});

test('the kernel log: read on this machine as root, or said to be unreadable', async () => {
  const missing = await kernelOomKills([DOCKER], '/nonexistent/kmsg');
  assert.deepEqual(missing, { kills: null, unreadable: '/nonexistent/kmsg: ENOENT' });
  if (process.getuid?.() === 0) {
    const records = await readKernelRecords();
    assert.ok(records.length > 0, 'the ring buffer has records');
    assert.match(records[0]!, /^\d+,\d+,\d+,/);
  }
});
