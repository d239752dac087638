import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readResults } from '../lab/report/write.js';
import { SEED_GO, spawnLab } from './helpers.js';

const MiB = 2 ** 20;

// docker update shrinks a running container's limit: the Downward-API-like GOMEMLIMIT stays at the old limit,
// automemlimit with a refresh interval follows the cgroup. A small body, so the claim is about limits, not kills.
const SCENARIO = `
name: resize-e2e
container: { memoryLimit: 400Mi, memoryRequest: 200Mi, cpuLimit: 500m }
request: { bodyMiB: 4, timeoutSeconds: 60 }
reps: 1
variants:
  - { name: downward, gomemlimitRatio: 1 }
  - { name: refresh, env: { AUTOMEMLIMIT: "0.9", AUTOMEMLIMIT_REFRESH: 500ms } }
sweep:
  resize:
    - { name: shrink, from: 600Mi, to: 400Mi, settleSeconds: 2 }
`;

test('resize on docker: the limit changes in place, a stale GOMEMLIMIT stays stale, a refreshing one follows', { timeout: 5 * 60_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lab-resize-'));
  await writeFile(path.join(dir, 'resize.yaml'), SCENARIO);
  const out = path.join(dir, 'run');
  const result = await spawnLab(['--runtime', 'docker', '--scenario', path.join(dir, 'resize.yaml'), '--go', SEED_GO, '--out', out], {});
  assert.equal(result.exitCode, 0, result.stderr);
  const results = await readResults(out);
  const byVariant = (name: string) => results.runs.find((run) => run.variant === name)!;
  for (const name of ['downward.resize-shrink', 'refresh.resize-shrink']) {
    const run = byVariant(name);
    assert.deepEqual([run.resize?.applied, run.resize?.fromBytes, run.resize?.toBytes], [true, 600 * MiB, 400 * MiB], `${name}: ${run.resize?.detail}`);
    assert.equal(run.restarts, 0, 'resized in place');
    const [request] = run.processes.flatMap((p) => p.requestMetrics);
    assert.ok(request, `${name}: the sample's request metrics line`);
    assert.equal(request.cgroupMemoryLimitBytes, 400 * MiB, `${name}: the cgroup the sample sees`);
    assert.equal(run.processes[0]!.cgroupMemoryLimitBytes, 600 * MiB, `${name}: the limit at start`);
    assert.ok(run.survived);
  }
  assert.equal(byVariant('downward.resize-shrink').processes[0]!.requestMetrics[0]!.goMemoryLimitBytes, 600 * MiB, 'the env went stale');
  assert.equal(byVariant('refresh.resize-shrink').processes[0]!.requestMetrics[0]!.goMemoryLimitBytes, Math.floor(0.9 * 400 * MiB), 'automemlimit refreshed');
  const markdown = await readFile(path.join(out, 'report.md'), 'utf8');
  assert.match(markdown, /### Resize/);
  assert.match(markdown, /\| downward\.resize-shrink \| 600\.0 MiB → 400\.0 MiB: applied 1\/1 \| 600\.0 MiB \| 400\.0 MiB \|/);
});
