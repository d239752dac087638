import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseMemoryProbe, noProbeWarning } from './probe-choice.js';

const sees = { hostSeesEngine: true, engineProbeError: null };
const hidden = { hostSeesEngine: false, engineProbeError: null };
const nothing = { hostSeesEngine: false, engineProbeError: 'the cgroup probe said nothing in 15000 ms' };

test('auto reads the host where it can, else the engine probe, else nothing, and says why', () => {
  assert.equal(chooseMemoryProbe('auto', sees).probe, 'host');
  const engine = chooseMemoryProbe('auto', hidden);
  assert.equal(engine.probe, 'engine');
  assert.match(engine.reason, /cannot see the engine's cgroups.*probe container/);
  const none = chooseMemoryProbe('auto', nothing);
  assert.equal(none.probe, 'none');
  assert.match(none.reason, /engine probe cannot run: the cgroup probe said nothing/);
  assert.match(noProbeWarning(none)!, /^memory cannot be read, so every peak will be n\/a: /);
  assert.equal(noProbeWarning(engine), null);
});

test('a forced probe is used as asked, or refused to none when it cannot read', () => {
  assert.deepEqual(chooseMemoryProbe('engine', sees), { probe: 'engine', reason: '--memory-probe engine' });
  assert.equal(chooseMemoryProbe('engine', nothing).probe, 'none');
  assert.deepEqual(chooseMemoryProbe('host', sees), { probe: 'host', reason: '--memory-probe host' });
  assert.equal(chooseMemoryProbe('host', hidden).probe, 'none');
});
