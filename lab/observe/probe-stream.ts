// A running cgroup-probe's stdout, wherever it runs (a container on the engine, a pod on a node): its lines
// into a feed, its hello awaited, and one MemoryProbe per target.
import type { Readable } from 'node:stream';
import type { CgroupVersion } from './cgroup.js';
import { readJsonLines } from './json-lines.js';
import { ProbeFeed, type TargetStats } from './probe-feed.js';
import type { MemoryProbe } from './sampler.js';

/** A MemoryProbe for one target, and how often the probe has read it. */
export interface TargetMemoryProbe extends MemoryProbe {
  stats(): TargetStats;
  /** False once the probe's stream ended: it died or was removed, and reads nothing more. */
  alive(): boolean;
}

export interface ProbeStream {
  readonly version: CgroupVersion;
  /** A reader for one of the targets the probe was started with; a pod's container's also offers podPeak. */
  memory(arg: string, inPod?: boolean): TargetMemoryProbe;
}

/**
 * Resolves once the hello line came; rejects when the stream ends first (with `lastWords()`, the probe's
 * stderr or exit message) or after timeoutMs. `where` names the probe in its readings' source.
 */
export async function followProbeStream(stdout: Readable, options: { where: string; rateHz: number; timeoutMs: number; lastWords: () => Promise<string> }): Promise<ProbeStream> {
  const feed = new ProbeFeed();
  let ended = false;
  const hello = new Promise<void>((resolve, reject) => {
    (async () => {
      for await (const line of readJsonLines(stdout)) if ('value' in line && feed.accept(line.value) && feed.hello) resolve();
      ended = true;
      const words = (await options.lastWords()).trim();
      reject(new Error(`the cgroup probe stopped${words ? `: ${words}` : ''}`));
    })().catch(reject);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the cgroup probe said nothing in ${options.timeoutMs} ms`)), options.timeoutMs)));
  await Promise.race([hello, timeout]).finally(() => clearTimeout(timer));
  // A probe is stale after ten missed ticks (at least a second): it died, or its stream stalls.
  const staleMs = Math.max(1000, 10_000 / options.rateHz);
  const version = feed.version!;
  const targets = new Set(feed.hello?.targets ?? []);
  return {
    version,
    memory(arg, inPod = false) {
      if (targets.size > 0 && !targets.has(arg)) throw new Error(`the cgroup probe was not started for ${arg}`);
      return {
        source: `${options.where} cgroup ${version}`,
        read: async () => (ended ? null : feed.latest(arg, performance.now(), staleMs)),
        stats: () => feed.stats(arg),
        alive: () => !ended,
        ...(inPod ? { podPeak: async () => feed.parentPeak(arg) } : {}),
      };
    },
  };
}

export type StoppableProbe = MemoryProbe & { stop(): Promise<void>; alive?(): boolean };

/**
 * A probe that follows a container through restarts: when `containerId` names a new container, the old probe
 * is stopped and `startFor` starts one for the new id; a start that fails is retried at most once a second.
 * A probe that died under a living container (its own container killed) is a loss: counted, then started again,
 * since the readings between are missing and the repetition cannot be judged on them.
 * `first` is a probe already started for the current id (started before the load, so no early reading is lost).
 */
export function followingProbe(where: string, containerId: () => string, startFor: (id: string) => Promise<StoppableProbe>, first?: { id: string; probe: StoppableProbe }): StoppableProbe {
  let current: { id: string; probe: Promise<StoppableProbe | null> } | null = first ? { id: first.id, probe: Promise.resolve(first.probe) } : null;
  const started = current ? [current.probe] : []; // a stopped probe still answers podPeak from what it read
  let source = first?.probe.source ?? null;
  let failedAt = -Infinity; // performance.now() starts near 0
  let stopped = false;
  let losses = 0;
  const release = (entry: typeof current) => entry?.probe.then((probe) => probe?.stop());
  return {
    get source() {
      return source ?? `${where} (never found)`;
    },
    async read() {
      const id = containerId();
      if (stopped || !id) return null;
      if (current?.id !== id) {
        if (performance.now() - failedAt < 1000) return null;
        void release(current);
        current = {
          id,
          probe: startFor(id).catch(() => {
            failedAt = performance.now();
            current = null;
            return null;
          }),
        };
        started.push(current.probe);
      }
      const probe = await current?.probe;
      if (!probe || stopped) return null;
      if (probe.alive?.() === false) {
        losses++;
        failedAt = performance.now();
        void release(current);
        current = null;
        return null;
      }
      source = probe.source;
      return probe.read();
    },
    // Every probe's: the newest may not have read the pod yet when the sampler stops (a restart just now).
    async podPeak() {
      const peaks = await Promise.all(started.map(async (probe) => (await (await probe)?.podPeak?.()) ?? null));
      const found = peaks.filter((peak): peak is number => peak !== null);
      return found.length ? Math.max(...found) : null;
    },
    losses: () => losses,
    async stop() {
      stopped = true;
      await release(current);
    },
  };
}
