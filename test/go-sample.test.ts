import { test } from 'node:test';
import { execa } from 'execa';
import { GO_SAMPLE_DIR } from '../lab/paths.js';

// The sample's own Go tests (body size calibration, determinism, handlers) run as part of npm test.
test('go-sample: go vet and go test pass', async () => {
  await execa('go', ['vet', './...'], { cwd: GO_SAMPLE_DIR });
  await execa('go', ['test', './...'], { cwd: GO_SAMPLE_DIR });
});
