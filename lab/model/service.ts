// A user's own Go service in place of the sample: what runs, how the lab knows it is ready, and what it is sent.
import { z } from 'zod';

/** One line of vegeta's target format: a line break would start another line, a header or target of its own. */
const oneLine = (what: string) => z.string().refine((text) => !/[\r\n]/.test(text), `${what} must be one line: no CR or LF`);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const headersSchema = z.record(z.string(), oneLine('a header value')).superRefine((headers, ctx) => {
  for (const name of Object.keys(headers)) {
    if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: "a header name is a token: letters, digits and !#$%&'*+.^_`|~-" });
  }
});

const targetSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  path: oneLine('a path').pipe(z.string().startsWith('/')).refine((text) => !/\s/.test(text), 'a path has no spaces: percent-encode them'),
  headers: headersSchema.default({}),
  /** Sent as the request body; relative to the scenario file (the working directory for CLI flags). */
  bodyFile: oneLine('a body file').pipe(z.string().min(1)).optional(),
});
export type RequestTarget = z.output<typeof targetSchema>;

/** Ready when GET path answers 2xx, or when the service has printed a line containing `log`. */
const readinessSchema = z.union([z.strictObject({ path: z.string().startsWith('/') }), z.strictObject({ log: z.string().min(1) })]);

export const serviceSchema = z.strictObject({
  /** A local image, or one the runtime can pull. */
  image: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** Absent: ready as soon as the port answers HTTP at all (any status on /). */
  readiness: readinessSchema.optional(),
  /** How long a fresh instance may take to be ready; past it, the run stops with the service's last lines. */
  readyTimeoutSeconds: z.number().positive().max(3600).default(60),
  env: z.record(z.string(), z.string()).default({}),
  args: z.array(z.string()).default([]),
  /** Vegeta targets, taken in turn, and how many to send: count in all, rate per second (0: back to back). */
  requests: z
    .strictObject({
      targets: z.array(targetSchema).min(1),
      count: z.number().int().min(1).max(100_000).default(1),
      rate: z.number().min(0).max(10_000).default(0),
      concurrency: z.number().int().min(1).max(64).default(1),
      /** Keep sending, one batch at a time, for at most this long (count stays the cap). */
      durationSeconds: z.number().positive().max(3600).optional(),
      timeoutSeconds: z.number().positive().max(3600).default(120),
    }),
});
export type Service = z.output<typeof serviceSchema>;

/**
 * GODEBUG with the lab's settings in force. Layers (the service's own, then a variant's) are read in order: a
 * later setting of a key replaces an earlier one in place, new keys go last, and `settings` win over all
 * (gctrace=0 would hide the GC).
 */
export function mergeGodebug(layers: readonly (string | undefined)[], settings: Record<string, string>): string {
  const merged = new Map<string, string | null>();
  for (const layer of layers) {
    for (const entry of (layer ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
      const at = entry.indexOf('=');
      merged.set(at < 0 ? entry : entry.slice(0, at), at < 0 ? null : entry.slice(at + 1));
    }
  }
  for (const [key, value] of Object.entries(settings)) merged.set(key, value);
  return [...merged].map(([key, value]) => (value === null ? key : `${key}=${value}`)).join(',');
}
