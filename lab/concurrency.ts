// How many repetitions run at once: pure, from the machine's size and the containers' limits.
import { UsageError } from './errors.js';

export const MAX_PARALLEL = 16;
/** Harness faults (the lab's own: a lost request, an engine error) are tried again this many times by default. */
export const DEFAULT_RETRIES = 2;
export const MAX_RETRIES = 10;
/** Left for the harness and the engine: half a core, and 2 GiB of memory. */
const SPARE_CPUS = 0.5;
const SPARE_BYTES = 2 * 2 ** 30;
/**
 * What each repetition in flight costs outside its own container: vegeta reading the body, the engine's port proxy
 * copying it, container start and stop. Measured on docker at about 1 CPU-second per 66 MB repetition of about 6.7 s.
 * Without it, 7 at once saturated 2 cores and limit-100 survived 32/40 against 39/40 sequentially (README).
 */
export const HARNESS_CPUS_PER_REPETITION = 0.15;

export type ParallelRequest = number | 'auto';

export interface Capacity {
  cpus: number;
  /** CPU the runtime itself needs while repetitions run (kind's control plane), taken off before packing. */
  reserved?: { cpus: number; what: string };
  availableBytes: number;
  /** Where the figures come from (the engine, this machine, the cluster's nodes). */
  source: string;
  /** The runtime's own bound on instances at once (kind: the NodePorts mapped to loopback). */
  slots?: { count: number; what: string };
}

export interface Backoff {
  /** The starved repetition that lowered the concurrency, and to how many. */
  after: string;
  parallel: number;
  reason: string;
}

export interface ConcurrencyChoice {
  parallel: number;
  requested: ParallelRequest;
  /** One sentence: why this many. */
  reason: string;
  /** auto only: each step down after a starved repetition (lab/model/starved.ts). */
  backoffs?: Backoff[];
}

/**
 * auto backs off one repetition at a time while repetitions come back starved: four at once on two cores gave
 * GOMEMLIMIT at the limit 89/100 against 97/100 alone (README), and the starved rule marks that load. A number
 * the user chose is kept: they asked for it, and the report shows what it cost.
 */
export function backOff(choice: ConcurrencyChoice, run: { id: string; starvedBecause: string | null }): ConcurrencyChoice | null {
  if (choice.requested !== 'auto' || choice.parallel <= 1 || run.starvedBecause === null) return null;
  const parallel = choice.parallel - 1;
  return { ...choice, parallel, backoffs: [...(choice.backoffs ?? []), { after: run.id, parallel, reason: run.starvedBecause }] };
}

export function parseParallel(text: string): ParallelRequest {
  if (text === 'auto') return 'auto';
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > MAX_PARALLEL) throw new UsageError(`bad --parallel "${text}": use auto or a whole number from 1 to ${MAX_PARALLEL}`);
  return value;
}

/**
 * auto: the CPU quotas, with the harness's share for each, add up to less than the machine with half a core to spare, the memory limits fit in what is
 * available less 2 GiB, and never more than 16. The largest limits of the plan decide, so a sweep is never over-packed.
 */
export function chooseConcurrency(requested: ParallelRequest, capacity: Capacity, limits: { cpuLimitMillis: number; memoryLimitBytes: number }): ConcurrencyChoice {
  if (requested !== 'auto') {
    const slots = capacity.slots;
    if (slots && requested > slots.count) return { parallel: slots.count, requested, reason: `--parallel ${requested}, capped at ${slots.count} (${slots.count} ${slots.what})` };
    return { parallel: requested, requested, reason: `--parallel ${requested}` };
  }
  const reserved = capacity.reserved?.cpus ?? 0;
  const byCpu = Math.floor((capacity.cpus - SPARE_CPUS - reserved) / (limits.cpuLimitMillis / 1000 + HARNESS_CPUS_PER_REPETITION));
  const byMemory = Math.floor((capacity.availableBytes - SPARE_BYTES) / limits.memoryLimitBytes);
  const bySlots = capacity.slots?.count ?? Infinity;
  const parallel = Math.max(1, Math.min(byCpu, byMemory, bySlots, MAX_PARALLEL));
  const gib = (capacity.availableBytes / 2 ** 30).toFixed(1);
  const bounds: [number, string][] = [
    [byCpu, `${capacity.cpus} CPUs less 0.5${capacity.reserved ? ` and ${capacity.reserved.cpus} for ${capacity.reserved.what}` : ''} over ${limits.cpuLimitMillis}m + ${HARNESS_CPUS_PER_REPETITION * 1000}m of harness each`],
    [byMemory, `${gib} GiB available less 2 GiB over ${(limits.memoryLimitBytes / 2 ** 20).toFixed(0)} MiB each`],
    [bySlots, `${capacity.slots?.count} ${capacity.slots?.what}`],
    [MAX_PARALLEL, `the cap of ${MAX_PARALLEL}`],
  ];
  const bound = bounds.reduce((lowest, candidate) => (candidate[0] < lowest[0] ? candidate : lowest))[1];
  return { parallel, requested, reason: `auto: ${parallel} at once (${bound}; ${capacity.source}), fewer if repetitions come back starved` };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same order on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Fisher–Yates with a seeded PRNG: shared-machine drift cannot favour the variant that happens to run first. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const shuffled = [...items];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  return shuffled;
}
