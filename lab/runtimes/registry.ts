// Every runtime, declared once: its name, what it is, the flags it takes and its constructor. The --runtime choices
// and help, the runtimes named before each flag's help, RuntimeName and each runtime's options type come from here.
import { UsageError } from '../errors.js';
import type { Progress } from '../progress.js';
import { RUNTIME_FLAGS, flagDefault, runtimeOptionsSchema, type RuntimeFlagName, type RuntimeFlagValues, type RuntimeOptions } from './flags.js';
import type { Runtime } from './runtime.js';

// Not checked against a type here: each runtime's options type is read from this table, and a check on its
// constructor would be circular. constructRuntime below is where the constructors are checked.
export const RUNTIMES = {
  kind: {
    description: 'a kind cluster on the local Docker engine, created by the lab',
    flags: ['keepCluster', 'nodeImage', 'memoryProbe'] as const,
    // Imported on use: a runtime's module loads Docker and Kubernetes clients that --help and parsing do not need.
    load: async () => (await import('./kind/runtime.js')).KindRuntime,
  },
  docker: {
    description: 'containers on the local Docker engine',
    flags: ['memoryProbe'] as const,
    load: async () => (await import('./docker.js')).DockerRuntime,
  },
  existing: {
    description: 'a cluster your kubeconfig reaches, running an image you pushed',
    flags: ['context', 'image', 'nodeProbe', 'probeImage'] as const,
    load: async () => (await import('./existing.js')).ExistingRuntime,
  },
};

export type RuntimeName = keyof typeof RUNTIMES;
export const RUNTIME_NAMES = Object.keys(RUNTIMES) as RuntimeName[];

/** What runtime N is given: the flags it takes, defaults filled in. */
export type RuntimeOptionsOf<N extends RuntimeName> = Pick<RuntimeOptions, (typeof RUNTIMES)[N]['flags'][number]>;

export function takesFlag(name: RuntimeName, flag: RuntimeFlagName): boolean {
  return (RUNTIMES[name].flags as readonly RuntimeFlagName[]).includes(flag);
}

/** The runtimes that take a flag, in the table's order. */
export function runtimesTaking(flag: RuntimeFlagName): RuntimeName[] {
  return RUNTIME_NAMES.filter((name) => takesFlag(name, flag));
}

/** The given flags' values among `flags`, defaults filled in; the others are dropped. */
export function pickFlags<F extends RuntimeFlagName>(flags: readonly F[], values: RuntimeFlagValues): Pick<RuntimeOptions, F> {
  const mask = Object.fromEntries(flags.map((flag) => [flag, true])) as Record<RuntimeFlagName, true>;
  return runtimeOptionsSchema.pick(mask).parse(values) as Pick<RuntimeOptions, F>;
}

/** Refuses a flag of another runtime, set to other than its default, rather than ignore it: --keep-cluster means nothing to docker. */
export function refuseForeignFlags(name: RuntimeName, values: RuntimeFlagValues): void {
  for (const [flag, value] of Object.entries(values) as [RuntimeFlagName, unknown][]) {
    if (!Object.hasOwn(RUNTIME_FLAGS, flag) || takesFlag(name, flag) || value === undefined || value === flagDefault(flag)) continue;
    throw new UsageError(`${RUNTIME_FLAGS[flag].flags.split(' ')[0]} is for --runtime ${runtimesTaking(flag).join(' or ')}, not ${name}`);
  }
}

/** The runtime, its module imported now, given its own flags only (defaults filled in). */
export async function constructRuntime(name: RuntimeName, runId: string, values: RuntimeFlagValues, progress: Progress): Promise<Runtime> {
  const entry = RUNTIMES[name];
  const Runtime = await entry.load();
  return new Runtime(runId, pickFlags(entry.flags, values), progress);
}
