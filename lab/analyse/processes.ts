import { parseGcTrace } from './gctrace.js';
import { goMemoryLimitOrNull, parseRequestMetrics } from './request-metrics.js';
import type { ProcessInstance } from '../model/results.js';
import type { Termination } from '../model/results.js';

// Engines prefix each line with an RFC 3339 timestamp when asked (docker logs -t, kubectl logs --timestamps).
const TIMESTAMP_PREFIX = /^\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d) /;

export function stripTimestamp(line: string): string {
  return line.replace(TIMESTAMP_PREFIX, '');
}

const FIRST_GC = /^gc 1 @/;

interface StartLine {
  /** slog's time: when the process began (gctrace's "@0.02s" counts from about then). */
  time?: string;
  memoryLimitBytes?: number;
  cgroupMemoryLimitBytes?: number | null;
}

function parseStartLine(line: string): StartLine | null {
  const body = stripTimestamp(line);
  if (!body.startsWith('{') || !body.includes('"msg":"starting"')) return null;
  try {
    return JSON.parse(body) as StartLine;
  } catch {
    return null;
  }
}

/**
 * Splits everything a container printed across restarts into one entry per process, using the sample's
 * "starting" line as the boundary (a service's: its gctrace starting again at gc 1); the n-th termination the
 * engine reported ended the n-th process.
 */
export function splitProcesses(logText: string, terminations: Termination[]): ProcessInstance[] {
  const groups: { start: StartLine | null; lines: string[]; sawFirstGc: boolean }[] = [];
  const lines = logText.split('\n');
  const starts = lines.map(parseStartLine);
  // A service has no "starting" line: a Go process's first GC cycle ("gc 1 @") starts the next one instead.
  const sample = starts.some((start) => start !== null);
  for (const [index, line] of lines.entries()) {
    const firstGc = !sample && FIRST_GC.test(stripTimestamp(line));
    if (firstGc && groups.at(-1)?.sawFirstGc) groups.push({ start: null, lines: [], sawFirstGc: false });
    const start = starts[index]!;
    const current = groups.at(-1);
    // Lines a process prints before its "starting" line (automemlimit logs first) belong to it.
    if (start && current && !current.start) current.start = start;
    else if (start || !current) groups.push({ start, lines: [], sawFirstGc: false });
    const group = groups[groups.length - 1]!;
    group.lines.push(line);
    if (firstGc) group.sawFirstGc = true;
  }
  return groups
    .filter((group) => group.start || group.lines.some((line) => line.trim()))
    .map((group, index) => ({
      index,
      oomKilled: terminations[index]?.oomKilled ?? false,
      gcCycles: parseGcTrace(group.lines.join('\n')),
      goMemoryLimitBytes: goMemoryLimitOrNull(group.start?.memoryLimitBytes ?? null),
      cgroupMemoryLimitBytes: group.start?.cgroupMemoryLimitBytes ?? null,
      startedAt: typeof group.start?.time === 'string' ? group.start.time : null,
      requestMetrics: parseRequestMetrics(group.lines.map(stripTimestamp)),
    }));
}
