import { readlinkSync } from 'node:fs';
import { processAlive } from '../process.js';
import type { Capacity } from '../concurrency.js';
import type { ResizeRecord, RuntimeEvent, Termination } from '../model/results.js';
import type { MemoryProbeKind, ProbeChoice } from '../model/results.js';
import type { MemoryProbe } from '../observe/sampler.js';
import type { Plan, RunSpec } from '../model/plan.js';
import type { RuntimeName } from './registry.js';

export interface InstanceStatus {
  running: boolean;
  restarts: number;
  terminations: Termination[];
  events: RuntimeEvent[];
}

/** A running variant (container or pod) that the pipeline drives and observes. */
export interface Instance {
  readonly id: string;
  /** Always on loopback: load never leaves the machine. */
  readonly baseUrl: string;
  readonly memory: MemoryProbe;
  /** True when the orchestrator restarts the process after it dies (a Deployment, a restart policy). */
  readonly restartsAfterExit: boolean;
  status(): Promise<InstanceStatus>;
  /** Names of the cgroups its processes ran in (container ids), to find its OOM kills in the kernel log. */
  kernelLogKeys?(): string[];
  /** Changes the memory limit in place, without a restart (runtimes with the resize capability). */
  resize?(memoryLimitBytes: number): Promise<ResizeOutcome>;
  /** Every line printed by every instance so far (stdout and stderr, gctrace included), timestamped. */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

/** What became of a resize: applied (the runtime reports the new limit in force), or refused and why. */
export type ResizeOutcome = Omit<ResizeRecord, 'fromBytes' | 'toBytes'>;

export interface RuntimeInfo {
  name: RuntimeName;
  versions: Record<string, string>;
  cgroupVersion: string;
  /** The engine kernel's transparent huge page mode; null where the lab cannot see that kernel. */
  transparentHugepages: string | null;
  /** How instances' memory is read, and why that way. */
  memoryProbe: ProbeChoice;
  notes: string[];
  /** Seconds spent on provisioning steps worth reporting (node image, cluster create). */
  timings?: Record<string, number>;
}

/** What a runtime can do and needs, so that no other module asks which runtime it is. */
export interface Unavailable {
  reason: string;
  /** It will not come back by itself (a kind node that exited): waiting is pointless, the run stops at once. */
  lasting?: boolean;
}

export interface RuntimeCapabilities {
  /** It runs containers on a Docker engine this machine drives (started by the lab on a fresh machine). */
  localEngine: boolean;
  /** local: the lab builds the sample's image (each variant's own flavour); pushed: the user's --image runs every variant. */
  image: 'local' | 'pushed';
  /** It can change a running instance's memory limit in place (Instance.resize). */
  resize: boolean;
  /** The memory readers it can offer: host and engine where its containers run on an engine; node-probe on a cluster (opt-in). */
  memory: readonly MemoryProbeKind[];
}

export interface Runtime {
  readonly name: RuntimeName;
  readonly capabilities: RuntimeCapabilities;
  /** Checks prerequisites without side effects; a UsageError names what is missing. */
  check(): Promise<void>;
  /** Prepares the runtime (cleans a crashed run's leftovers, starts watching events). */
  provision(): Promise<RuntimeInfo>;
  /** A dry run: what the plan would start here, as this runtime would start it (pure but for reading its config). */
  describe(plan: Plan): Promise<string>;
  /** What the runtime's machine (or cluster) has room for, once provisioned: the input of --parallel auto. */
  capacity(): Promise<Capacity>;
  /** The image reference an instance runs, once the local image exists. */
  start(run: RunSpec, image: string): Promise<Instance>;
  /**
   * Why it cannot start an instance right now (the engine not answering, the cluster's node or API server down), or
   * null: asked before a harness fault is tried again, so a retry waits for an engine restart instead of failing.
   */
  unavailable(): Promise<Unavailable | null>;
  /** Removes everything this run created; safe to call twice and from a signal handler. */
  teardown(): Promise<void>;
}

export const LAB_LABEL = 'gomemlimit-lab';
export const RUN_LABEL = 'gomemlimit-lab.run';
export const PID_LABEL = 'gomemlimit-lab.pid';
export const PIDNS_LABEL = 'gomemlimit-lab.pidns';

/** This process's pid namespace (the inode in /proc/self/ns/pid): a pid label means something only inside it. */
const OWN_PIDNS = (() => {
  try {
    return /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

/** Labels naming the lab process that owns a container, pod or namespace. */
export function ownerLabels(): Record<string, string> {
  return { [PID_LABEL]: String(process.pid), [PIDNS_LABEL]: OWN_PIDNS };
}

/**
 * Whether the lab process that made something is gone, so a later run may remove it. Something from another pid
 * namespace (a lab in another container) is never judged: its pid would name an unrelated process here.
 */
export function ownerGone(labels: Record<string, string> | undefined): boolean {
  const pidns = labels?.[PIDNS_LABEL];
  if (pidns !== undefined && pidns !== OWN_PIDNS) return false;
  return !processAlive(Number(labels?.[PID_LABEL]));
}
