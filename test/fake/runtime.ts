// A Runtime with no engine behind it, for the pipeline's rules in milliseconds: each instance is a loopback HTTP
// server whose answer, memory and fate a script chooses. The real runtimes have their own end-to-end tests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Capacity } from '../../lab/concurrency.js';
import type { Plan, RunSpec } from '../../lab/model/plan.js';
import type { Termination } from '../../lab/model/results.js';
import type { Instance, InstanceStatus, Runtime, RuntimeInfo, Unavailable } from '../../lab/runtimes/runtime.js';

/**
 * survive: answers the body. oom: the kernel kills it mid-request (the socket drops, a kill is counted).
 * crash-vegeta: the load generator dies mid-attack while the service lives. start-fails: the engine refuses to start it.
 */
export type FakeFate = 'survive' | 'oom' | 'crash-vegeta' | 'start-fails';

const MiB = 2 ** 20;
const LIMIT = 400 * MiB;

export class FakeRuntime implements Runtime {
  readonly name = 'docker' as const;
  readonly capabilities = { localEngine: false, image: 'local', resize: false, memory: ['host'] } as const;
  /** Instances started and stopped, and the most in flight at once. */
  readonly started: string[] = [];
  readonly stopped: string[] = [];
  maxInFlight = 0;
  private inFlight = 0;
  private readonly tries = new Map<string, number>();

  /** `fate` gets the repetition and its try (1, 2...); `answerMs` is how long a request takes. */
  constructor(private readonly fate: (run: RunSpec, attempt: number) => FakeFate, private readonly answerMs = 20) {}

  async check(): Promise<void> {}
  async provision(): Promise<RuntimeInfo> {
    return { name: 'docker', versions: { fake: '1' }, cgroupVersion: 'v2', transparentHugepages: null, memoryProbe: { probe: 'host', reason: 'fake' }, notes: [] };
  }
  async describe(plan: Plan): Promise<string> {
    return `${plan.runs.length} fake repetitions`;
  }
  async capacity(): Promise<Capacity> {
    return { cpus: 2, availableBytes: 24 * 2 ** 30, source: 'fake' };
  }
  async teardown(): Promise<void> {}
  /** Set by a test: why the fake cannot start instances now. */
  down: Unavailable | null = null;
  async unavailable(): Promise<Unavailable | null> {
    return this.down;
  }

  async start(run: RunSpec): Promise<Instance> {
    const attempt = (this.tries.get(run.id) ?? 0) + 1;
    this.tries.set(run.id, attempt);
    const fate = this.fate(run, attempt);
    if (fate === 'start-fails') throw new Error(`engine: cannot start ${run.id}`);
    const terminations: Termination[] = [];
    let usage = 100 * MiB;
    let kills = 0;
    let answered = 0;
    const server: Server = createServer((request, response) => {
      if (!request.url?.startsWith(run.request.path)) return void response.end('ok');
      void sleep(this.answerMs).then(() => {
        if (fate === 'oom') {
          usage = LIMIT;
          kills += 1;
          terminations.push({ at: new Date().toISOString(), exitCode: 137, reason: 'OOMKilled', oomKilled: true });
          request.socket.destroy();
          return;
        }
        if (fate === 'crash-vegeta') response.setHeader('x-fake-vegeta', 'crash');
        usage = 300 * MiB;
        answered += 1;
        response.end('{"items":[]}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.started.push(run.id);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const port = (server.address() as AddressInfo).port;
    let stopped = false;
    return {
      id: `${run.id}-try${attempt}`,
      baseUrl: `http://127.0.0.1:${port}`,
      restartsAfterExit: false,
      memory: { source: 'fake cgroup', read: async () => (terminations.length ? null : { usageBytes: usage, peakBytes: usage, oomKills: kills, cpu: null }) },
      status: async (): Promise<InstanceStatus> => ({ running: terminations.length === 0, restarts: 0, terminations: [...terminations], events: [] }),
      // The sample's metrics line per answered request: the lab waits for it before it reads the logs.
      logs: async () => '{"msg":"request metrics"}\n'.repeat(answered),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        this.inFlight -= 1;
        this.stopped.push(run.id);
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }
}
