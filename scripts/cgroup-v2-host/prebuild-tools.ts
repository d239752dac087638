// Builds the lab's pinned Go tools (vegeta, kind) into its .cache/bin on the host, with the lab's own
// functions, so the guest finds them there and never compiles them under TCG.
//   node_modules/.bin/tsx scripts/cgroup-v2-host/prebuild-tools.ts [kind]
import { ensureGoTool } from '../../lab/tools/go.js';
import { KIND_MODULE } from '../../lab/runtimes/kind/cli.js';
import { KIND_VERSION } from '../../lab/pins.js';
import { ensureVegeta } from '../../lab/tools/vegeta.js';

const progress = {
  step: (message: string) => process.stderr.write(`[cgroup-v2-host] host: ${message}\n`),
  info: (message: string) => process.stderr.write(`[cgroup-v2-host] host: ${message}\n`),
};

const built = [await ensureVegeta(progress)];
if (process.argv.includes('kind')) built.push(await ensureGoTool(KIND_MODULE, KIND_VERSION, 'kind', progress));
process.stdout.write(`${built.join('\n')}\n`);
