import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { GO_SAMPLE_DIR } from '../lab/paths.js';
import { silentProgress } from '../lab/progress.js';
import { build, buildSampleBinary } from '../lab/build/sample.js';
import { UsageError } from '../lab/errors.js';

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

// The pin falls back to the machine's Go, said once, when the proxy cannot give it; an explicit --go does not.
test('build: a pinned release the proxy cannot give falls back to the machine\'s Go and says why; asked for by name, it is one clear error', async () => {
  const flavour = { go: '1.99.0', experiments: [] };
  const lines: string[] = [];
  const progress = { step: () => {}, info: (line: string) => void lines.push(line) };
  const built = await build(progress, { flavours: [flavour], image: false, fallbackFrom: '1.99.0' });
  const sample = built.samples['1.99.0']!;
  assert.equal(sample.goVersion, (await execa('go', ['env', 'GOVERSION'])).stdout.trim());
  assert.match(sample.fallback!, /^Go go1\.99\.0 could not be fetched through the module proxy: .+; built with the machine's go1\.\d+/);
  assert.ok(lines.some((line) => line.startsWith('WARNING: Go go1.99.0 could not be fetched')), lines.join('\n'));
  await assert.rejects(build(silentProgress, { flavours: [flavour], image: false, fallbackFrom: null }), (error: unknown) => error instanceof UsageError && /^Go go1\.99\.0 could not be fetched/.test(error.message) && !error.message.includes('\n'));
});

test('build: a flavour that does not build on its release is set apart with go\'s reason, and the others build', async () => {
  const built = await build(silentProgress, { flavours: [{ go: 'local', experiments: ['bogusexperiment'] }, { go: 'local', experiments: [] }], image: false, fallbackFrom: null });
  assert.match(built.failed['local+bogusexperiment']!, /GOEXPERIMENT=bogusexperiment: .*unknown GOEXPERIMENT bogusexperiment/);
  assert.ok(built.samples.local);
});
