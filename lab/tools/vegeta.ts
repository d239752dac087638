import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { ErrorKind, RequestResult } from '../model/results.js';
import { z } from 'zod';
import type { Progress } from '../progress.js';
import { ensureGoTool } from './go.js';

/**
 * The load generator. k6 was the first choice, but its module is AGPL (not to be used here) and xk6 is refused
 * by the module proxy; vegeta (MIT) is pinned instead, installed through the Go module proxy.
 */
export const VEGETA_MODULE = 'github.com/tsenart/vegeta/v12';
export const VEGETA_VERSION = 'v12.13.0';

export function ensureVegeta(progress: Progress): Promise<string> {
  return ensureGoTool(VEGETA_MODULE, VEGETA_VERSION, 'vegeta', progress);
}

const resultSchema = z.object({
  seq: z.number(),
  code: z.number(),
  timestamp: z.string(),
  latency: z.number(), // nanoseconds
  bytes_in: z.number(),
  error: z.string().default(''),
});

/** Groups transport failures the way they show when a server dies mid-response or while it restarts. */
export function classifyError(status: number, error: string): ErrorKind | null {
  if (!error && status >= 200 && status < 300) return null;
  if (/connection refused/i.test(error)) return 'refused';
  if (/connection reset|broken pipe/i.test(error)) return 'reset';
  if (/timeout|deadline exceeded/i.test(error)) return 'timeout';
  if (/EOF/.test(error)) return 'eof';
  if (!error) return 'http';
  return 'other';
}

const NO_TARGETS = 'no targets to attack';

export function parseVegetaResults(jsonLines: string): RequestResult[] {
  return jsonLines
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => resultSchema.parse(JSON.parse(line)))
    // With -lazy, the worker that finds stdin exhausted records this marker, not a request.
    .filter((result) => result.error !== NO_TARGETS)
    .map((result) => ({
      seq: result.seq,
      startedAt: result.timestamp,
      status: result.code,
      latencyMs: result.latency / 1e6,
      error: result.error,
      errorKind: classifyError(result.code, result.error),
    }))
    .sort((a, b) => a.seq - b.seq);
}

/** One request as vegeta's http target format has it: a body file is read by vegeta itself. */
export interface AttackTarget {
  method: string;
  url: string;
  headers: Record<string, string>;
  bodyFile?: string;
}

/** `count` targets, taking the list in turn, in vegeta's http format (blank-line separated). */
export function targetLines(targets: readonly AttackTarget[], count: number): string {
  return Array.from({ length: count }, (_, index) => {
    const target = targets[index % targets.length]!;
    const lines = [`${target.method} ${target.url}`, ...Object.entries(target.headers).map(([name, value]) => `${name}: ${value}`)];
    if (target.bodyFile) lines.push(`@${target.bodyFile}`);
    return `${lines.join('\n')}\n\n`;
  }).join('');
}

export interface AttackOptions {
  targets: readonly AttackTarget[];
  count: number;
  concurrency: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  signal?: AbortSignal;
}

/** Sends exactly `count` requests (response bodies read to the end, then dropped) and returns one result per request. */
export async function attack(vegeta: string, options: AttackOptions): Promise<RequestResult[]> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'gomemlimit-lab-vegeta-'));
  try {
    const output = path.join(work, 'results.bin');
    const rate = options.intervalSeconds > 0 ? `1/${Math.round(options.intervalSeconds * 1000)}ms` : '0';
    await execa(
      vegeta,
      [
        'attack',
        '-lazy', // targets come from stdin; the attack ends when they run out
        `-rate=${rate}`,
        `-workers=${options.concurrency}`,
        `-max-workers=${options.concurrency}`,
        `-timeout=${options.timeoutSeconds}s`,
        '-max-body=0', // read the whole body but keep none of it
        '-keepalive=false',
        `-output=${output}`,
      ],
      { input: targetLines(options.targets, options.count), cancelSignal: options.signal, forceKillAfterDelay: 2000 },
    );
    const { stdout } = await execa(vegeta, ['encode', '-to', 'json', output]);
    return parseVegetaResults(stdout);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}



