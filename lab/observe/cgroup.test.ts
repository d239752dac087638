import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { memoryCgroupFromProcFile, readCgroupMemory } from './cgroup.js';

test('the memory cgroup is found in /proc/PID/cgroup for v1 (hybrid hosts) and v2', () => {
  const v1 = '12:pids:/docker/abc\n4:memory:/docker/abc\n1:name=systemd:/docker/abc\n0::/system.slice/docker.service\n';
  assert.deepEqual(memoryCgroupFromProcFile(v1, '/sys/fs/cgroup'), { version: 'v1', dir: '/sys/fs/cgroup/memory/docker/abc' });
  const v2 = '0::/system.slice/docker-abc.scope\n';
  assert.deepEqual(memoryCgroupFromProcFile(v2, '/sys/fs/cgroup'), { version: 'v2', dir: '/sys/fs/cgroup/system.slice/docker-abc.scope' });
  assert.equal(memoryCgroupFromProcFile('', '/sys/fs/cgroup'), null);
});

test('v1 and v2 memory files give usage, the kernel peak and OOM kills; a vanished cgroup gives null', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cgroup-'));
  const v1 = path.join(root, 'v1');
  await mkdir(v1);
  await writeFile(path.join(v1, 'memory.usage_in_bytes'), '419430400\n');
  await writeFile(path.join(v1, 'memory.max_usage_in_bytes'), '419434496\n');
  await writeFile(path.join(v1, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
  assert.deepEqual(await readCgroupMemory({ version: 'v1', dir: v1 }), { usageBytes: 419430400, peakBytes: 419434496, oomKills: 1 });
  const v2 = path.join(root, 'v2');
  await mkdir(v2);
  await writeFile(path.join(v2, 'memory.current'), '1000\n');
  await writeFile(path.join(v2, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
  assert.deepEqual(await readCgroupMemory({ version: 'v2', dir: v2 }), { usageBytes: 1000, peakBytes: null, oomKills: 1 });
  assert.equal(await readCgroupMemory({ version: 'v2', dir: path.join(root, 'gone') }), null);
});
