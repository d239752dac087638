import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { dryRunCommand } from './commands/dry-run.js';
import { cleanCommand, doctorCommand } from './commands/maintenance.js';
import { regressCommand } from './commands/regress.js';
import { compareCommand, reportCommand } from './commands/reports.js';
import { runCommand, type RunOptions } from './commands/run.js';
import { DEFAULT_RETRIES, MAX_PARALLEL, MAX_RETRIES, parseParallel, type ParallelRequest } from './concurrency.js';
import { InterruptedError, UsageError, errorMessage } from './errors.js';
import { RUNTIME_FLAGS, flagDefault, type RuntimeFlag, type RuntimeFlagName } from './runtimes/flags.js';
import { RUNTIMES, RUNTIME_NAMES, runtimesTaking } from './runtimes/registry.js';
import type { GoRequest } from './model/go-choice.js';
import { goVersionSchema } from './model/scenario.js';
import { SAMPLE_GO } from './pins.js';
import { parseDuration } from './model/adaptive.js';

// Only the wiring: each command lives in commands/ and imports the heavy parts once its cheap checks passed.

function parseReps(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1000) {
    throw new InvalidArgumentError('use a whole number from 1 to 1000');
  }
  return Number(value);
}

/** --reps on a run: a count, or auto (rounds until the answer is clear or --budget is spent). */
function parseRunReps(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : parseReps(value);
}

function parseBudget(value: string): number {
  const seconds = parseDuration(value);
  if (seconds === null || seconds < 10 || seconds > 24 * 3600) throw new InvalidArgumentError('use a duration from 10s to 24h, e.g. 10m, 90s or 1h30m');
  return seconds;
}

function parsePrecision(value: string): number {
  if (!/^0?\.\d+$/.test(value) || Number(value) <= 0 || Number(value) >= 1) throw new InvalidArgumentError('use the widest survival interval that is precise enough, as a share: 0.2 for 20 points');
  return Number(value);
}

function parseSeconds(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0 || Number(value) > 3600) throw new InvalidArgumentError('use a number of seconds from 1 to 3600');
  return Number(value);
}

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) throw new InvalidArgumentError('use a port number from 1 to 65535');
  return Number(value);
}

function parseParallelOption(value: string): ParallelRequest {
  try {
    return parseParallel(value);
  } catch {
    throw new InvalidArgumentError(`use auto or a whole number from 1 to ${MAX_PARALLEL}`);
  }
}

function parseRetries(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > MAX_RETRIES) throw new InvalidArgumentError(`use a whole number from 0 to ${MAX_RETRIES}`);
  return Number(value);
}

function parseGo(value: string): GoRequest {
  const parsed = goVersionSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError('use "local" (the go on PATH) or a Go release such as 1.27.3');
  return { version: parsed.data, source: 'flag' };
}

/** --runtime, the same on run and regress: the choices and their help from the registry (lab/runtimes/registry.ts). */
function runtimeOption(): Option {
  const runtimes = RUNTIME_NAMES.map((name) => `${name} = ${RUNTIMES[name].description}`).join('; ');
  return new Option('-r, --runtime <runtime>', `where the variants run: ${runtimes}`).choices(RUNTIME_NAMES).default('kind');
}

/** Every runtime's own flags (lab/runtimes/flags.ts), each introduced by the runtimes that take it. */
function addRuntimeFlags(command: Command): Command {
  for (const [name, entry] of Object.entries(RUNTIME_FLAGS) as [RuntimeFlagName, RuntimeFlag][]) {
    const option = new Option(entry.flags, `${runtimesTaking(name).join(', ')}: ${entry.description}`);
    if (entry.choices) option.choices([...entry.choices]);
    const fallback = flagDefault(name);
    if (typeof fallback === 'string') option.default(fallback); // a boolean flag's false goes without saying
    command.addOption(option);
  }
  return command;
}

function parseList(value: string): string[] {
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('give at least one name, e.g. baseline,gomemlimit');
  return items;
}

async function runOrDryRun(cli: RunOptions & { dryRun?: boolean; ci?: boolean; budget?: number; precision?: number }, command: Command): Promise<void> {
  const { budget, precision, ...options } = cli;
  const adaptive = budget !== undefined || precision !== undefined ? { ...(budget !== undefined ? { budgetSeconds: budget } : {}), ...(precision !== undefined ? { precision } : {}) } : undefined;
  if (adaptive) options.adaptive = adaptive;
  if (options.ci) {
    // --ci is the nightly regression: its fixed scenario unless --scenario was given.
    const { scenario, ci: _ci, dryRun, reps, ...rest } = options;
    if (reps === 'auto' || adaptive) throw new UsageError('--reps auto and --budget do not apply to the regression: its expectations set the repetitions (regress --plan)');
    // A dry run of the regression is its plan: nothing runs.
    return regressCommand({ ...rest, reps, plan: dryRun, scenario: command.getOptionValueSource('scenario') === 'default' ? undefined : scenario });
  }
  return options.dryRun ? dryRunCommand(options) : runCommand(options);
}

/** How repetitions are scheduled: the same for a run and for regress. */
function addSchedulingFlags(command: Command): void {
  command
    .option('--parallel <n>', 'repetitions at once: auto = as many as the CPU quotas and memory limits fit (at most 16), stepping down when repetitions come back starved; 1 = one after another', parseParallelOption, 'auto')
    .option('--retries <n>', "tries again a repetition that ended in a harness fault (the lab's own, not the service's), up to n times", parseRetries, DEFAULT_RETRIES);
}

export function buildProgram(): Command {
  const program = new Command()
    .name('npm run lab --')
    .description('Reproduce the Go-in-a-container OOM kill and its GOMEMLIMIT fix, on a real runtime, and report it.')
    .showHelpAfterError(false)
    // Options after a command name are that command's: `regress --runtime docker` must not set the root's.
    .enablePositionalOptions()
    .exitOverride();

  program
    .option('-s, --scenario <name>', 'scenario name in scenarios/, or a path to a YAML file', 'seed')
    .addOption(runtimeOption())
    .option('-n, --reps <n>', "fresh-start repetitions per variant, or per probed size for a frontier (default: the scenario's); auto: in rounds until the answer is clear or --budget is spent", parseRunReps)
    .option('--budget <duration>', 'with --reps auto: the wall time the rounds may take (default 10m)', parseBudget)
    .option('--precision <share>', "with --reps auto: also stop once every variant's survival interval is narrower than this (e.g. 0.2)", parsePrecision)
    .option('-v, --variants <a,b,...>', 'only these variants (default: all of the scenario\'s)', parseList)
    .option('-o, --out <dir>', 'results folder (default: results/<timestamp>-<scenario>/); must be new or empty')
    .option('--go <version>', `the Go that builds the sample where the scenario names none: a release (fetched once through the module proxy) or local (default: the pinned ${SAMPLE_GO}; the machine's Go if the proxy cannot give it)`, parseGo)
    .option('--service-image <ref>', "your own Go service instead of the sample: runs the scenario's variants (default: seed's baseline and gomemlimit) against it")
    .option('--service-port <n>', 'with --service-image: the port it listens on', parsePort)
    .option('--path <path>', 'with --service-image: the path to request (default /)')
    .option('--method <method>', 'with --service-image: the HTTP method (default GET, or POST with --body-file)')
    .option('--body-file <file>', 'with --service-image: send this file as the request body')
    .option('--ready-path <path>', 'with --service-image: ready when GET path answers 2xx (default: any HTTP answer on /)')
    .option('--ready-log <text>', 'with --service-image: ready once the service printed a line containing text')
    .option('--ready-timeout <seconds>', 'with --service-image: how long a fresh instance may take to be ready (default 60)', parseSeconds)
    .option('--dry-run', 'print the planned repetitions and exit')
    .option('-q, --quiet', 'no progress lines')
    .option('--ci', 'the nightly regression: same as the regress command with its defaults')
    .action(runOrDryRun)
    .addHelpText('after', '\nWith no command, runs the scenario. Results are never overwritten.');
  addRuntimeFlags(program);
  addSchedulingFlags(program);

  program
    .command('report <dir>')
    .description('re-render report.md, report.html and the charts from a run folder\'s results.json')
    .action(reportCommand);

  program
    .command('compare <before> <after>')
    .description('a before/after table of two run folders, variant by variant')
    .action(compareCommand);

  const regress = program
    .command('regress')
    .description('run the fixed regression scenario and check it against scenarios/expectations/; writes junit.xml and regress-summary.json; exit 1 on a regression')
    .addOption(runtimeOption())
    .option('-n, --reps <n>', 'repetitions per variant (default: what the expectations need, `regress --plan`)', parseReps)
    .option('-o, --out <dir>', 'results folder (default: results/<timestamp>-<scenario>/); must be new or empty')
    .option('-e, --expectations <name>', 'expectations in scenarios/expectations/, or a path to a YAML file', 'regress')
    .option('-s, --scenario <name>', 'run this scenario instead of the one the expectations name (e.g. a broken copy, to see a check fail)')
    .option('--go <version>', 'the Go that builds the sample where the scenario names none: a release (fetched once through the module proxy) or local (default: the one the expectations were measured on)', parseGo)
    .option('--plan', 'print, per expectation, the repetitions and cut-off that catch its stated change, the error rates and the expected time; run nothing')
    .option('--update-baseline', 'store this run\'s peak-memory medians as the baseline for its runtime')
    .option('-q, --quiet', 'no progress lines')
    .action(regressCommand);
  addRuntimeFlags(regress);
  addSchedulingFlags(regress);

  program
    .command('doctor')
    .description('list the tools the lab needs, present or missing, with versions')
    .action(doctorCommand);

  program
    .command('clean')
    .description('remove every cluster, container and volume the lab ever created')
    .action(cleanCommand);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0; // a command may have set it (doctor)
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; commander already printed its one-line error otherwise.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    if (error instanceof InterruptedError) {
      process.stderr.write(`${error.report()}\n`);
      return 130;
    }
    process.stderr.write(`error: ${errorMessage(error)}\n`);
    return 1;
  }
}

// `npm run lab -- --dry-run | head`: a reader that stops early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
process.exitCode = await main(process.argv.slice(2));
// Engine sockets may linger after cleanup; do not let them hold the process open.
setTimeout(() => process.exit(), 200).unref();
