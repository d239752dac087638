// Kubernetes memory quantities ("400Mi", "1.5Gi", "419430400") <-> bytes.
// Deliberately stricter than Kubernetes: no exponents, signs or milli ("400m" is 0.4 bytes in
// Kubernetes, almost always a typo for 400Mi), so that a mistyped limit fails loudly.
import { z } from 'zod';

export class QuantityError extends Error {
  override name = 'QuantityError';
}

const MULTIPLIERS: Record<string, number> = {
  '': 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

// digits, optional ".digits", optional suffix; nothing else (no spaces, signs, "B").
const QUANTITY = /^(?<num>\d+(?:\.\d+)?)(?<suffix>[KMGTPE]i|[kMGTPE])?$/;

function bad(text: string): QuantityError {
  return new QuantityError(
    `bad memory quantity "${text}": use a Kubernetes quantity such as 400Mi (binary) or 419430400 (bytes)`,
  );
}

/** Parses a memory quantity to an integer number of bytes (fractions rounded to nearest). */
export function parseQuantity(text: string): number {
  const m = QUANTITY.exec(text);
  if (!m?.groups) throw bad(text);
  const bytes = Math.round(Number(m.groups.num) * MULTIPLIERS[m.groups.suffix ?? '']!);
  if (!Number.isFinite(bytes)) throw bad(text);
  return bytes;
}

const BINARY: [string, number][] = [
  ['Ei', 2 ** 60],
  ['Pi', 2 ** 50],
  ['Ti', 2 ** 40],
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10],
];

/** Shortest exact binary form: 419430400 -> "400Mi"; otherwise plain bytes. */
export function formatQuantity(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 0) throw new QuantityError(`cannot format ${bytes} as a memory quantity`);
  for (const [suffix, size] of BINARY) {
    if (bytes > 0 && bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return String(bytes);
}

/** zod schema: accepts "400Mi" or 419430400 and yields bytes; bad input becomes a zod issue. */
export const quantitySchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    // String(n) keeps bad numbers bad: -1 -> "-1", 1e21 -> "1e+21", NaN -> "NaN".
    return parseQuantity(typeof value === 'number' ? String(value) : value);
  } catch (err) {
    if (!(err instanceof QuantityError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message, input: value });
    return z.NEVER;
  }
});
