// npm test's pretest: on a fresh machine (root, Debian or Ubuntu, no engine) start Docker the way the lab does.
import { ensureEngine } from '../lab/engine.js';
import { consoleProgress } from '../lab/progress.js';
import { errorMessage } from '../lab/errors.js';

try {
  await ensureEngine(consoleProgress());
} catch (error) {
  process.stderr.write(`error: ${errorMessage(error)}\n`);
  process.exitCode = 2;
}
