// One outcome per repetition, with its cause: the service's deaths kept apart from the lab's own faults. Pure.
import type { KillEvidence, Outcome, RequestResult, RunRecord, Termination } from '../model/results.js';


/** A kill's peak this close to the limit, with exit 137, is the cgroup's doing even when no label says so. */
export const AT_LIMIT_SHARE = 0.99;

export interface OutcomeInput {
  requests: RequestResult[];
  /** How many answers the repetition needed: every request sent, or the count asked for. */
  expected: number;
  terminations: Termination[];
  /** OOM kills the container's (or its pod's) cgroup counter rose by; null where it was not readable. */
  oomKillsCounted: number | null;
  /** OOM kills the kernel log attributed to the instance's cgroup or process; null where /dev/kmsg was not readable. */
  oomKillsLogged?: number | null;
  peakBytes: number | null;
  limitBytes: number;
  /** How often the memory probe died mid-repetition; its readings (peak, kill counter) are then incomplete. */
  probeLosses?: number;
}

export interface OutcomeVerdict {
  outcome: Exclude<Outcome, 'slowed'>;
  cause: string;
  killEvidence: KillEvidence[];
  /** OOM kills: the most any one source of evidence counted. */
  oomKills: number;
}

/** Which evidence shows an OOM kill, and how many each counted; a label alone is enough, so is the kernel's own count. */
export function killEvidence(input: OutcomeInput): { evidence: KillEvidence[]; kills: number } {
  const counts: [KillEvidence, number][] = [
    ['cgroup oom_kill counter', input.oomKillsCounted ?? 0],
    ['kernel log', input.oomKillsLogged ?? 0],
    ['runtime label OOMKilled', input.terminations.filter((t) => t.oomKilled).length],
    ['exit 137 at the limit', input.peakBytes !== null && input.peakBytes >= AT_LIMIT_SHARE * input.limitBytes ? input.terminations.filter((t) => t.exitCode === 137).length : 0],
  ];
  const found = counts.filter(([, count]) => count > 0);
  return { evidence: found.map(([name]) => name), kills: Math.max(0, ...found.map(([, count]) => count)) };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function describeExit(termination: Termination, input: OutcomeInput): string {
  const code = termination.exitCode === null ? termination.reason : `exit ${termination.exitCode} (${termination.reason})`;
  if (termination.exitCode !== 137) return `the service ended: ${code}`;
  const peak = input.peakBytes === null ? 'peak unknown' : `peak ${mib(input.peakBytes)} of ${mib(input.limitBytes)}`;
  return `the service was killed (SIGKILL) with no sign of the OOM killer: ${code}, ${peak}`;
}

/**
 * survived: every answer whole, nothing died. oom-killed: evidence of the OOM killer. failed: the service's own fault
 * (a non-2xx answer, an exit or kill without OOM evidence). harness-fault: requests failed while the service stayed
 * up (the load generator or the lab lost them, not the service), or the memory probe died under it.
 */
export function classifyRepetition(input: OutcomeInput): OutcomeVerdict {
  const { evidence, kills } = killEvidence(input);
  if (kills > 0) return { outcome: 'oom-killed', cause: `OOM-killed ×${kills} (${evidence.join(', ')})`, killEvidence: evidence, oomKills: kills };
  const verdict = (outcome: OutcomeVerdict['outcome'], cause: string): OutcomeVerdict => ({ outcome, cause, killEvidence: [], oomKills: 0 });
  const ended = input.terminations[0];
  if (ended) return verdict('failed', describeExit(ended, input));
  const answered = input.requests.filter((request) => request.errorKind === null).length;
  const httpError = input.requests.find((request) => request.errorKind === 'http');
  if (httpError) return verdict('failed', `the service answered HTTP ${httpError.status}`);
  if (input.probeLosses) return verdict('harness-fault', `the memory probe was lost ${input.probeLosses === 1 ? 'once' : `${input.probeLosses} times`} while the service stayed up, so its peak is incomplete`);
  const lost = input.requests.find((request) => request.errorKind !== null);
  if (lost) return verdict('harness-fault', `request ${lost.seq} failed (${lost.errorKind}: ${lost.error.slice(0, 120)}) while the service stayed up`);
  if (input.requests.length < input.expected) return verdict('harness-fault', `the load generator returned ${input.requests.length} of ${input.expected} results while the service stayed up`);
  if (answered < input.expected) return verdict('harness-fault', `${answered} of ${input.expected} requests answered while the service stayed up`);
  return verdict('survived', `${answered}/${input.expected} requests answered whole`);
}

/** Repetitions that count for survival, the frontier, sizing and regress: everything but the lab's own faults. */
export const judged = <T extends Pick<RunRecord, 'outcome'>>(runs: readonly T[]): T[] => runs.filter((run) => run.outcome !== 'harness-fault');
