// The runtimes' own flags, declared once: the run and regress commands add them from this table, and the options
// type every runtime takes is inferred from it.
import { z } from 'zod';
import { MEMORY_PROBE_MODES } from '../observe/probe-choice.js';

export const RUNTIME_NAMES = ['kind', 'docker', 'existing'] as const;

export interface RuntimeFlag {
  flags: string;
  description: string;
  schema: z.ZodType;
  choices?: readonly string[];
  default?: string;
}

const flag = <S extends z.ZodType>(entry: Omit<RuntimeFlag, 'schema'> & { schema: S }) => entry;

export const RUNTIME_FLAGS = {
  keepCluster: flag({ flags: '--keep-cluster', description: 'kind: leave the cluster for the next run (default: delete the cluster this run created)', schema: z.boolean().optional() }),
  nodeImage: flag({
    flags: '--node-image <ref>',
    description: 'kind: node image; auto = one in the local store, else pull the pinned kindest/node, else build the air-gapped one',
    default: 'auto',
    schema: z.string().optional(),
  }),
  memoryProbe: flag({
    flags: '--memory-probe <how>',
    description: "docker, kind: how memory is read; auto = this machine's cgroups where it sees the engine's, else a probe container on the engine",
    choices: MEMORY_PROBE_MODES,
    default: 'auto',
    schema: z.enum(MEMORY_PROBE_MODES).optional(),
  }),
  context: flag({ flags: '--context <name>', description: 'existing: the kubeconfig context of the cluster to use', schema: z.string().optional() }),
  image: flag({ flags: '--image <ref>', description: 'existing: the sample image, pushed where that cluster can pull it', schema: z.string().optional() }),
  nodeProbe: flag({
    flags: '--node-probe',
    description: "existing: read memory with a probe pod on the workload's node (hostPath /sys/fs/cgroup, read-only; needs a namespace that admits it)",
    schema: z.boolean().optional(),
  }),
  probeImage: flag({
    flags: '--probe-image <ref>',
    description: 'existing, with --node-probe: the cgroup-probe image where the cluster can pull it (default: the locally built one)',
    schema: z.string().optional(),
  }),
};

type Schemas = { [K in keyof typeof RUNTIME_FLAGS]: (typeof RUNTIME_FLAGS)[K]['schema'] };
const schemas = Object.fromEntries(Object.entries(RUNTIME_FLAGS).map(([key, entry]) => [key, entry.schema])) as Schemas;

/** What the runtime flags give a run, inferred from the table. */
export const runtimeOptionsSchema = z.object(schemas);
export type RuntimeOptions = z.infer<typeof runtimeOptionsSchema>;
