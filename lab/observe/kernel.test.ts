import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseTransparentHugepages, transparentHugepages } from './kernel.js';

test('the THP mode in force is the bracketed one; no THP file reads as null', async () => {
  assert.equal(parseTransparentHugepages('always [madvise] never\n'), 'madvise');
  assert.equal(parseTransparentHugepages('[always] madvise never\n'), 'always');
  assert.equal(parseTransparentHugepages('garbage'), null);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'thp-'));
  await writeFile(path.join(dir, 'enabled'), 'always madvise [never]\n');
  assert.equal(await transparentHugepages(path.join(dir, 'enabled')), 'never');
  assert.equal(await transparentHugepages(path.join(dir, 'missing')), null);
});
