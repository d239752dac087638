// Which Go builds the sample, and why: a stated choice recorded with every variant, never "whatever is on PATH".
import { z } from 'zod';
import { SAMPLE_GO } from '../pins.js';

/** Where the requested Go came from: the lab's pin, --go, the regress expectations, or the scenario's own go: field. */
export const GO_SOURCES = ['pinned', 'flag', 'expectations', 'scenario'] as const;
export const goRequestSchema = z.object({
  /** "local" (the go on PATH) or a release such as 1.27.3. */
  version: z.string(),
  source: z.enum(GO_SOURCES),
});
export type GoRequest = z.infer<typeof goRequestSchema>;

export const PINNED_GO: GoRequest = { version: SAMPLE_GO, source: 'pinned' };

/** What results.json records of the Go that built a variant's sample. */
export const sampleGoSchema = z.object({
  requested: z.string(),
  /** `go env GOVERSION` of the toolchain that built it, e.g. go1.27.3. */
  version: z.string(),
  experiments: z.array(z.string()),
  /** fallback: the pinned release could not be fetched, so the machine's Go built it. */
  source: z.enum([...GO_SOURCES, 'fallback']),
  reason: z.string(),
});
export type SampleGo = z.infer<typeof sampleGoSchema>;

/** A variant whose build failed on its Go release (an experiment that release lacks, say): not run, said so. */
export const notApplicableSchema = z.object({ variant: z.string(), go: z.string(), reason: z.string() });
export type NotApplicable = z.infer<typeof notApplicableSchema>;

const WHY: Record<GoRequest['source'], string> = {
  pinned: 'the lab\'s pinned default (lab/pins.json sampleGo; --go chooses another)',
  flag: 'chosen with --go',
  expectations: 'the Go the regress expectations were measured on',
  scenario: "set by the scenario's go: field",
};

export function goReason(source: GoRequest['source']): string {
  return WHY[source];
}

/** "go1.27.3" from "1.27.3"; local stays local (its version is known only once built). */
export function goLabel(version: string): string {
  return version === 'local' ? 'the local Go' : `go${version}`;
}
