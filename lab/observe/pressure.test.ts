import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePressureTotal, pressureShare } from './pressure.js';

test('PSI: the cumulative some-stall, and its share of a window', () => {
  const text = 'some avg10=70.77 avg60=68.37 avg300=66.41 total=1068437837\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';
  assert.equal(parsePressureTotal(text), 1068437837);
  assert.equal(parsePressureTotal('full avg10=0.00 total=5\n'), null);
  assert.equal(parsePressureTotal(''), null);
  // 3.5 s of stall over a 5 s window: 70%.
  assert.equal(pressureShare(1_000_000, 4_500_000, 5000), 0.7);
  assert.equal(pressureShare(null, 5, 1000), null);
  assert.equal(pressureShare(10, 5, 1000), null, 'a counter that went back (another cgroup) is no reading');
  assert.equal(pressureShare(0, 9_000_000, 1000), 1, 'capped at the whole window');
});
