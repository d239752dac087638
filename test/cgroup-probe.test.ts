import { test } from 'node:test';
import { execa } from 'execa';
import path from 'node:path';
import { CGROUP_PROBE_DIR, REPO_ROOT } from '../lab/paths.js';

// The probe's Go tests read fake v1 and v2 cgroupfs trees; they run as part of npm test.
test('cgroup-probe: go vet and go test pass; the engine probe test workload vets', async () => {
  await execa('go', ['vet', './...'], { cwd: CGROUP_PROBE_DIR });
  await execa('go', ['test', '-count=1', './...'], { cwd: CGROUP_PROBE_DIR });
  await execa('go', ['vet', './...'], { cwd: path.join(REPO_ROOT, 'test', 'fixtures', 'memhog') });
});
