// The sample's per-request runtime/metrics lines, and what they say about the GC during each request. Pure.
import { requestMetricsLineSchema, type RequestGc, type RequestMetricsLine } from '../model/results.js';

/** debug.SetMemoryLimit(-1) reports MaxInt64 when no limit is set; JSON numbers round it, so compare loosely. */
const NO_GO_LIMIT = 2 ** 62;

/** A limit the Go runtime reported, or null for none (MaxInt64). */
export const goMemoryLimitOrNull = (bytes: number | null): number | null => (bytes === null || bytes >= NO_GO_LIMIT ? null : bytes);

function parseLine(line: string): RequestMetricsLine | null {
  if (!line.startsWith('{') || !line.includes('"msg":"request metrics"')) return null;
  try {
    const parsed = requestMetricsLineSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const delta = (end: number | null, start: number | null) => (end === null || start === null ? null : end - start);

/**
 * /cpu/classes/total is GOMAXPROCS times wall time, so idle Ps would dilute the share: GC is measured against the
 * busy time (total less idle). Mark work that ran on a P with nothing else to do (idle mark workers) is left out of
 * both, as Go's CPU limiter leaves it out: at GOMAXPROCS 2 with one busy goroutine it doubled the share of a calm
 * request. Lines without that metric keep it in.
 */
export function gcCpuShare(line: RequestMetricsLine): number | null {
  const gc = delta(line.end.gcCpuSeconds, line.start.gcCpuSeconds);
  const total = delta(line.end.totalCpuSeconds, line.start.totalCpuSeconds);
  const idle = delta(line.end.idleCpuSeconds, line.start.idleCpuSeconds);
  if (gc === null || total === null || idle === null) return null;
  const idleMark = delta(line.end.gcIdleMarkCpuSeconds, line.start.gcIdleMarkCpuSeconds) ?? 0;
  const busy = total - idle - idleMark;
  return busy > 0 ? Math.min(1, Math.max(0, (gc - idleMark) / busy)) : null;
}

/** The limiter's last-enabled cycle moved past the cycles finished before the request: it was on during it. */
function limiterOn(line: RequestMetricsLine): boolean | null {
  const { limiterLastEnabled } = line.end;
  if (limiterLastEnabled === null || line.start.gcCycles === null) return null;
  return limiterLastEnabled > line.start.gcCycles;
}

export function requestGc(line: RequestMetricsLine): RequestGc {
  return {
    at: line.time,
    elapsedMs: line.elapsedMs,
    ok: line.ok,
    gcCpuShare: gcCpuShare(line),
    limiterOn: limiterOn(line),
    gcCycles: delta(line.end.gcCycles, line.start.gcCycles),
    heapGoalBytes: line.end.heapGoalBytes,
    memoryTotalBytes: line.end.memoryTotalBytes,
    goMemoryLimitBytes: goMemoryLimitOrNull(line.memoryLimitBytes),
    cgroupMemoryLimitBytes: line.cgroupMemoryLimitBytes,
    gomaxprocs: line.gomaxprocs,
    leakCacheBytes: line.leakCacheBytes,
    allocatedBytes: delta(line.end.allocBytes, line.start.allocBytes),
  };
}

/** Lines without engine timestamps, in order; anything that is not a metrics line is skipped. */
export function parseRequestMetrics(lines: readonly string[]): RequestGc[] {
  return lines.map(parseLine).filter((line): line is RequestMetricsLine => line !== null).map(requestGc);
}
