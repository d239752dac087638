import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STARVED_HOST_PRESSURE, starvedBecause } from './starved.js';
import { runRecordSchema } from './results.js';

test('starved: host pressure at the threshold or the probe under half its rate; unreadable figures say nothing', () => {
  assert.equal(starvedBecause({ hostCpuPressure: 0.83, samplerRate: 0.99 }), null); // the highest one-at-a-time reading in the study
  assert.equal(starvedBecause({ hostCpuPressure: STARVED_HOST_PRESSURE, samplerRate: 1 }), 'host CPU pressure 0.90 ≥ 0.9');
  assert.equal(starvedBecause({ hostCpuPressure: null, samplerRate: 0.4 }), 'memory probe at 40% of its rate');
  assert.equal(starvedBecause({ hostCpuPressure: 0.98, samplerRate: 0.3 }), 'host CPU pressure 0.98 ≥ 0.9, memory probe at 30% of its rate');
  assert.equal(starvedBecause({ hostCpuPressure: null, samplerRate: null }), null);
});

test('a results file from before the rule gets its starved reason from its recorded figures', () => {
  const contention = { hostCpuPressure: 0.97, containerCpuPressure: null, quotaShare: 1.02, samplerRate: 0.96 };
  const parsed = runRecordSchema.shape.contention.parse(contention);
  assert.equal(parsed?.starvedBecause, 'host CPU pressure 0.97 ≥ 0.9');
  assert.equal(runRecordSchema.shape.contention.parse({ ...contention, starvedBecause: null })?.starvedBecause, null, 'a recorded verdict is kept');
});
