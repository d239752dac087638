import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { GO_SAMPLE_DIR } from '../lab/paths.js';
import { silentProgress } from '../lab/progress.js';
import { buildSampleBinary } from '../lab/build/sample.js';

// The sample's own Go tests (body size calibration, determinism, handlers) run as part of npm test.
test('go-sample: go vet and go test pass, also with GOEXPERIMENT=jsonv2', async () => {
  await execa('go', ['vet', './...'], { cwd: GO_SAMPLE_DIR });
  await execa('go', ['test', './...'], { cwd: GO_SAMPLE_DIR });
  await execa('go', ['test', './...'], { cwd: GO_SAMPLE_DIR, env: { GOEXPERIMENT: 'jsonv2' } });
});

/** Starts a built sample on a spare port and returns its "starting" log line. */
async function startingLine(binary: string, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const child = execa(binary, [], { env: { PORT: '0', ...env }, reject: false, timeout: 10_000 });
  let buffer = '';
  try {
    for await (const line of child.iterable({ from: 'stdout' })) {
      buffer += line;
      const entry = JSON.parse(String(line)) as Record<string, unknown>;
      if (entry.msg === 'starting') return entry;
    }
    throw new Error(`no starting line: ${buffer}`);
  } finally {
    child.kill();
  }
}

// The Go-version axis: an old toolchain comes through GOTOOLCHAIN from the module proxy and builds the sample.
test('go-sample builds with Go 1.19.13 fetched through GOTOOLCHAIN, and runs as 1.19.13', async () => {
  const sample = await buildSampleBinary(silentProgress, { go: '1.19.13', experiments: [] });
  assert.equal(sample.goVersion, 'go1.19.13');
  const starting = await startingLine(sample.binary);
  assert.equal(starting.goVersion, 'go1.19.13');
});

test('go-sample: AUTOMEMLIMIT selects automemlimit at run time; an explicit GOMEMLIMIT wins over it', async () => {
  const sample = await buildSampleBinary(silentProgress);
  const plain = await startingLine(sample.binary);
  assert.equal(plain.memoryLimitSet, false);
  const explicit = await startingLine(sample.binary, { AUTOMEMLIMIT: '0.9', GOMEMLIMIT: '123456789' });
  assert.equal(explicit.memoryLimitBytes, 123456789);
});
