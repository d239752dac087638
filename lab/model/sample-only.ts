// Settings that only the lab's own sample understands: a scenario with a service: block gets one error naming the field.

export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

/** Variant settings that change how the sample is built or what it generates. */
const VARIANT_FIELDS = ['encoder', 'bodyMiB', 'leakMiB', 'path', 'go', 'goexperiment'] as const;
const SWEEP_FIELDS = ['encoder', 'bodyMiB', 'go'] as const;
/** The sample's automemlimit switch: a service links automemlimit itself, or not. */
const ENV_FIELDS = ['AUTOMEMLIMIT', 'AUTOMEMLIMIT_REFRESH', 'LEAK_MIB', 'BODY_MIB', 'DATASET_SEED', 'MEMTRACE_MS'] as const;
/** Top-level blocks: the sample's request and dataset, and the body-size frontier. */
const TOP_FIELDS = { request: 'a service is sent service.requests', datasetSeed: 'it seeds the sample\'s generated data', frontier: 'it searches the sample\'s body size; frontier.over: memoryLimit sizes a service' } as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function sweepIssues(sweep: unknown, path: (string | number)[]): FieldIssue[] {
  if (!isRecord(sweep)) return [];
  return SWEEP_FIELDS.filter((field) => field in sweep).map((field) => ({ path: [...path, field], message: "for the lab's sample only: a service scenario cannot sweep it" }));
}

/** The raw (unvalidated) scenario's sample-only fields, when it has a service: block. */
export function sampleOnlyIssues(raw: unknown): FieldIssue[] {
  if (!isRecord(raw) || raw.service === undefined) return [];
  const issues: FieldIssue[] = [];
  for (const [field, why] of Object.entries(TOP_FIELDS)) {
    const sizing = field === 'frontier' && isRecord(raw.frontier) && raw.frontier.over === 'memoryLimit'; // any service can be sized
    if (field in raw && !sizing) issues.push({ path: [field], message: `for the lab's sample only (${why}): remove it from a service scenario` });
  }
  issues.push(...sweepIssues(raw.sweep, ['sweep']));
  const variants = Array.isArray(raw.variants) ? raw.variants : [];
  variants.forEach((variant: unknown, index) => {
    if (!isRecord(variant)) return;
    const where = ['variants', index];
    const name = typeof variant.name === 'string' ? ` (variant ${variant.name})` : '';
    for (const field of VARIANT_FIELDS) {
      if (field in variant) issues.push({ path: [...where, field], message: `for the lab's sample only: a service scenario cannot use it${name}` });
    }
    if (isRecord(variant.env)) {
      for (const field of ENV_FIELDS) {
        if (field in variant.env) issues.push({ path: [...where, 'env', field], message: `switches the lab's sample only: a service scenario cannot use it${name}` });
      }
    }
    issues.push(...sweepIssues(variant.sweep, [...where, 'sweep']));
  });
  return issues;
}
