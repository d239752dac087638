import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planRuns } from '../model/plan.js';
import { loadScenario } from '../model/scenario.js';
import { buildRunRecord, type RunObservation } from './summarise.js';

test('a repetition records the conditions it ran under: host and container CPU pressure, the quota it got, the sampler\'s rate', async () => {
  const [run] = planRuns(await loadScenario('seed'), { runtime: 'docker', reps: 1, variants: ['gomemlimit'], go: { version: 'local', source: 'flag' } }).runs;
  // 5 s sampled at 10 of 20 Hz; 0.8 CPU-seconds against a 200m quota (1 CPU-second over 5 s); 2 s of the container's own stall.
  const samples = Array.from({ length: 51 }, (_, i) => ({ t: i * 100, usageBytes: 100 << 20, peakBytes: null }));
  const observed: RunObservation = {
    instanceId: 'c1',
    startedAt: '2026-12-06T03:00:00.000Z',
    wallSeconds: 7,
    requests: [],
    status: { running: false, restarts: 0, terminations: [], events: [] },
    memory: { source: 'host cgroup v2', startedAt: '2026-12-06T03:00:00.500Z', targetHz: 20, achievedHz: 10, samples, peakBytes: 100 << 20, peakFrom: 'container', probeLosses: 0, oomKillsSeen: 0, cpu: { usageSeconds: 0.8, throttledSeconds: 3, throttledPeriods: 40, periods: 50, pressureSeconds: 2 } },
    logs: '',
    logFile: 'logs/x.log',
    resize: null,
    hostCpuPressure: 0.6849,
  };
  const record = buildRunRecord(run!, observed);
  assert.deepEqual(record.contention, { hostCpuPressure: 0.685, containerCpuPressure: 0.4, quotaShare: 0.8, samplerRate: 0.5, starvedBecause: null });
  const unreadable = buildRunRecord(run!, { ...observed, hostCpuPressure: null, memory: { ...observed.memory, cpu: null } });
  assert.deepEqual(unreadable.contention, { hostCpuPressure: null, containerCpuPressure: null, quotaShare: null, samplerRate: 0.5, starvedBecause: null });
});
