// npm test's pretest: what the test suite needs beyond npm ci, set up as the lab sets up its engine. On a fresh
// Debian or Ubuntu machine, as root: the Docker engine (scripts/setup-docker.sh) and Debian's chromium for the
// report's browser test, each said in one line. Elsewhere, one line saying what to install.
import { access, readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { ensureEngine } from '../lab/engine.js';
import { consoleProgress } from '../lab/progress.js';
import { errorMessage } from '../lab/errors.js';

const CHROMIUM = '/usr/bin/chromium';

async function isDebianLike(): Promise<boolean> {
  const release = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(release);
}

async function ensureChromium(): Promise<void> {
  if (await access(CHROMIUM).then(() => true, () => false)) return;
  if (process.getuid?.() !== 0 || !(await isDebianLike())) {
    throw new Error(`${CHROMIUM} is missing, and the report's browser test needs it: install Debian's or Ubuntu's chromium package (apt-get install chromium), or run npm test as root on Debian or Ubuntu to have it installed`);
  }
  process.stderr.write(`[pretest] installing Debian's chromium for the report's browser test (apt-get; once)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await execa('apt-get', ['update', '-qq'], { env });
  await execa('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { env });
}

try {
  await ensureEngine(consoleProgress());
  await ensureChromium();
} catch (error) {
  process.stderr.write(`error: ${errorMessage(error).split('\n')[0]}\n`);
  process.exitCode = 2;
}
