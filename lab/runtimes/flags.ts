// The runtimes' own flags, declared once: the run and regress commands add them from this table, and the options
// every runtime takes are inferred from it. Which runtime takes which flag is the registry's (registry.ts).
import { z } from 'zod';
import { MEMORY_PROBE_MODES } from '../observe/probe-choice.js';

export interface RuntimeFlag {
  flags: string;
  /** Without the runtimes that take it: the help prefixes them from the registry. */
  description: string;
  /** Its default, if any, is the schema's: the help shows it and a runtime is given it. */
  schema: z.ZodType;
  choices?: readonly string[];
}

const flag = <S extends z.ZodType>(entry: Omit<RuntimeFlag, 'schema'> & { schema: S }) => entry;

export const RUNTIME_FLAGS = {
  keepCluster: flag({ flags: '--keep-cluster', description: 'leave the cluster for the next run (default: delete the cluster this run created)', schema: z.boolean().default(false) }),
  nodeImage: flag({
    flags: '--node-image <ref>',
    description: 'node image; auto = one in the local store, else pull the pinned kindest/node, else build the air-gapped one',
    schema: z.string().default('auto'),
  }),
  memoryProbe: flag({
    flags: '--memory-probe <how>',
    description: "how memory is read; auto = this machine's cgroups where it sees the engine's, else a probe container on the engine",
    choices: MEMORY_PROBE_MODES,
    schema: z.enum(MEMORY_PROBE_MODES).default('auto'),
  }),
  context: flag({ flags: '--context <name>', description: 'the kubeconfig context of the cluster to use', schema: z.string().optional() }),
  image: flag({ flags: '--image <ref>', description: 'the sample image, pushed where that cluster can pull it', schema: z.string().optional() }),
  nodeProbe: flag({
    flags: '--node-probe',
    description: "read memory with a probe pod on the workload's node (hostPath /sys/fs/cgroup, read-only; needs a namespace that admits it)",
    schema: z.boolean().default(false),
  }),
  probeImage: flag({
    flags: '--probe-image <ref>',
    description: 'with --node-probe, the cgroup-probe image where the cluster can pull it (default: the locally built one)',
    schema: z.string().optional(),
  }),
};

export type RuntimeFlagName = keyof typeof RUNTIME_FLAGS;

type Schemas = { [K in RuntimeFlagName]: (typeof RUNTIME_FLAGS)[K]['schema'] };
const schemas = Object.fromEntries(Object.entries(RUNTIME_FLAGS).map(([key, entry]) => [key, entry.schema])) as Schemas;

export const runtimeOptionsSchema = z.object(schemas);
/** What the runtime flags of a command line hold: absent where not given. */
export type RuntimeFlagValues = z.input<typeof runtimeOptionsSchema>;
/** What runtimes are given: every flag, defaults filled in (each runtime picks its own, see registry.ts). */
export type RuntimeOptions = z.output<typeof runtimeOptionsSchema>;

/** A flag's value when it is not given (undefined for one without a default). */
export function flagDefault(name: RuntimeFlagName): unknown {
  return RUNTIME_FLAGS[name].schema.parse(undefined);
}
