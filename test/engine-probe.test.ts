// The engine probe against real containers, side by side with the host probe. Run inside
// `unshare --pid --fork --mount-proc` as well: there the host probe cannot see the container and reads
// nothing, while the engine probe still does.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type Dockerode from 'dockerode';
import { getContainerRuntimeClient } from 'testcontainers';
import { pathExists } from '../lab/fs.js';
import { hostCgroupProbe } from '../lab/observe/cgroup.js';
import { startEngineProbe } from '../lab/observe/engine-probe.js';
import { startSampler } from '../lab/observe/sampler.js';
import { REPO_ROOT } from '../lab/paths.js';
import { silentProgress } from '../lab/progress.js';
import { LAB_LABEL, PID_LABEL, RUN_LABEL } from '../lab/runtimes/runtime.js';
import { buildCgroupProbe } from '../lab/build/cgroup-probe.js';
import { buildLocalGoImage } from '../lab/build/go-image.js';

process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

const MIB = 1024 * 1024;
const LIMIT = 100 * MIB;
const RUN_ID = `engine-probe-test-${process.pid}`;
const LABELS = { [LAB_LABEL]: '1', [RUN_LABEL]: RUN_ID, [PID_LABEL]: String(process.pid) };

let docker: Dockerode;
let probeImage: string;
let memhogImage: string;

before(async () => {
  docker = (await getContainerRuntimeClient()).container.dockerode;
  probeImage = (await buildCgroupProbe(silentProgress)).image;
  const memhog = { dir: path.join(REPO_ROOT, 'test', 'fixtures', 'memhog'), repository: 'gomemlimit-lab/test-memhog' };
  memhogImage = (await buildLocalGoImage(memhog, 'memhog', silentProgress)).image;
});

async function runContainers(): Promise<Dockerode.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${RUN_ID}`] } });
}

after(async () => {
  for (const info of await runContainers()) await docker.getContainer(info.Id).remove({ force: true, v: true }).catch(() => {});
});

async function logs(container: Dockerode.Container): Promise<string> {
  return ((await container.logs({ stdout: true, stderr: true })) as unknown as Buffer).toString('utf8');
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** memhog under a 100 MiB limit without swap, as the lab runs the sample. */
async function startMemhog(args: string[]): Promise<Dockerode.Container> {
  const container = await docker.createContainer({
    Image: memhogImage,
    Cmd: args,
    Labels: LABELS,
    HostConfig: { Memory: LIMIT, MemorySwap: LIMIT, NetworkMode: 'none' },
  });
  await container.start();
  return container;
}

async function hostPid(container: Dockerode.Container): Promise<number | null> {
  return (await container.inspect().catch(() => null))?.State?.Pid || null;
}

test('engine probe: the same peak as the host probe within 1%, at 15 Hz or more, the OOM kill seen, nothing left behind', async (t) => {
  const hog = await startMemhog(['-hold', '60']);
  const oomer = await startMemhog(['-oom-child']);
  await until('memhog to hold 60 MiB', async () => (await logs(hog)).includes('held 60 MiB'));
  // Where the lab cannot see the engine's processes (another pid namespace, another machine), the host probe reads nothing.
  const blind = !(await pathExists(`/proc/${await hostPid(hog)}/cgroup`));
  t.diagnostic(blind ? 'the container is not in this pid namespace: the host probe must read nothing' : 'the host probe sees the container');

  const probe = await startEngineProbe([{ containerId: hog.id }, { containerId: oomer.id }], { image: probeImage, runId: RUN_ID });
  assert.equal(probe.version, 'v1', 'this lab host is cgroup v1');
  const engineHog = probe.memory({ containerId: hog.id });
  const engineOomer = probe.memory({ containerId: oomer.id });
  assert.equal(engineHog.source, 'engine probe cgroup v1');
  const samplers = [
    startSampler(engineHog, 50),
    startSampler(hostCgroupProbe(() => hostPid(hog)), 50),
    startSampler(engineOomer, 50),
    startSampler(hostCgroupProbe(() => hostPid(oomer)), 50),
  ] as const;
  await until('the child to be OOM-killed', async () => (await logs(oomer)).includes('child ended: signal: killed'));
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const [engineHogSeries, hostHogSeries, engineOomerSeries, hostOomerSeries] = await Promise.all([samplers[0].stop(), samplers[1].stop(), samplers[2].stop(), samplers[3].stop()]);

  const hogStats = engineHog.stats();
  const oomerStats = engineOomer.stats();
  t.diagnostic(`engine probe: ${hogStats.achievedHz} Hz and ${oomerStats.achievedHz} Hz (probe clock); sampler ${engineHogSeries.achievedHz} Hz`);
  assert.ok(hogStats.achievedHz! >= 15 && oomerStats.achievedHz! >= 15, `achieved ${hogStats.achievedHz} / ${oomerStats.achievedHz} Hz`);
  assert.ok(engineHogSeries.peakBytes! >= 60 * MIB && engineHogSeries.peakBytes! < LIMIT, `engine peak ${engineHogSeries.peakBytes}`);
  assert.ok(engineOomerSeries.oomKillsSeen! >= 1, 'the engine probe saw the OOM kill');
  assert.ok(engineOomerSeries.peakBytes! > 90 * MIB, `the OOM-killed child reached the limit (${engineOomerSeries.peakBytes})`);
  assert.ok(engineHogSeries.cpu?.usageSeconds !== null, 'cpuacct.usage is read');

  t.diagnostic(`engine probe: peak ${engineHogSeries.peakBytes} (60 MiB held); OOM container peak ${engineOomerSeries.peakBytes}, ${engineOomerSeries.oomKillsSeen} OOM kill(s)`);
  if (blind) {
    assert.equal(hostHogSeries.samples.length, 0, 'the host probe returned null throughout');
    assert.equal(hostHogSeries.peakBytes, null);
  } else {
    const agreement = Math.abs(engineHogSeries.peakBytes! - hostHogSeries.peakBytes!) / hostHogSeries.peakBytes!;
    t.diagnostic(`peak: engine ${engineHogSeries.peakBytes}, host ${hostHogSeries.peakBytes} (${(agreement * 100).toFixed(3)}% apart)`);
    assert.ok(agreement <= 0.01, `peaks ${(agreement * 100).toFixed(3)}% apart`);
    const oomAgreement = Math.abs(engineOomerSeries.peakBytes! - hostOomerSeries.peakBytes!) / hostOomerSeries.peakBytes!;
    t.diagnostic(`OOM container, host probe: peak ${hostOomerSeries.peakBytes}, ${hostOomerSeries.oomKillsSeen} OOM kill(s)`);
    assert.ok(oomAgreement <= 0.01, `OOM container peaks ${(oomAgreement * 100).toFixed(3)}% apart`);
    assert.equal(engineOomerSeries.oomKillsSeen, hostOomerSeries.oomKillsSeen);
  }

  const role = { filters: { label: [`${RUN_LABEL}=${RUN_ID}`, 'gomemlimit-lab.role=cgroup-probe'] } };
  assert.equal((await docker.listContainers(role)).length, 1);
  await probe.stop();
  await probe.stop(); // twice is safe, as teardown may do
  assert.equal(await engineHog.read(), null, 'a stopped probe reads nothing');
  await Promise.all([hog, oomer].map((container) => container.remove({ force: true, v: true })));
  assert.deepEqual(await runContainers(), [], 'no container is left behind');
});

test('engine probe: a restarted container is found again', async (t) => {
  const hog = await startMemhog(['-hold', '30']);
  const probe = await startEngineProbe([{ containerId: hog.id.slice(0, 12) }], { image: probeImage, runId: RUN_ID, rateHz: 50 });
  try {
    const memory = probe.memory({ containerId: hog.id.slice(0, 12) });
    await until('a first reading', async () => (await memory.read()) !== null);
    await hog.restart({ t: 0 });
    await until('memhog to hold 30 MiB again', async () => (await logs(hog)).split('held 30 MiB').length > 2);
    await until('a reading of the new cgroup', async () => ((await memory.read())?.usageBytes ?? 0) >= 30 * MIB);
    t.diagnostic(`gone lines across the restart: ${memory.stats().gone}`);
  } finally {
    await probe.stop();
    await hog.remove({ force: true, v: true });
  }
});

test('engine probe: a probe that cannot start says why, and leaves no container', async () => {
  const empty = await mkdtemp(path.join(os.tmpdir(), 'not-cgroupfs-'));
  try {
    await assert.rejects(
      startEngineProbe([{ containerId: 'abc' }], { image: probeImage, runId: RUN_ID, hostCgroupRoot: empty }),
      /the cgroup probe stopped: cgroup-probe: no cgroup v1 memory hierarchy nor cgroup v2 root/,
    );
    assert.deepEqual(await runContainers(), []);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});
