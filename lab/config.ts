// Config files (scenarios, expectations, baselines): parsed and validated, every problem one UsageError line.
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { UsageError } from './errors.js';

/** Validates parsed data; the first issue becomes "source: field.path: message". */
export function validateConfig<S extends z.ZodType>(schema: S, raw: unknown, source: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    throw new UsageError(`${source}: ${where}: ${issue.message}`);
  }
  return result.data;
}

/** YAML or JSON text through a schema. */
export function parseConfig<S extends z.ZodType>(schema: S, text: string, source: string, format: 'yaml' | 'json' = 'yaml', adjust: (raw: unknown) => unknown = (raw) => raw): z.output<S> {
  let raw: unknown;
  try {
    raw = format === 'yaml' ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source}: not valid ${format.toUpperCase()}: ${(error as Error).message.split('\n')[0]}`);
  }
  return validateConfig(schema, adjust(raw), source);
}
