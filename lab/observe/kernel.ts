import { readFile } from 'node:fs/promises';

const THP_ENABLED = '/sys/kernel/mm/transparent_hugepage/enabled';

/** "always [madvise] never" -> "madvise": the bracketed mode is the one in force. */
export function parseTransparentHugepages(text: string): string | null {
  return /\[([a-z+]+)\]/.exec(text)?.[1] ?? null;
}

/**
 * The kernel's transparent huge page mode, which changes what a Go heap is charged: with "always", a
 * sparsely used heap span can be backed by whole 2 MiB pages. Null where this kernel has no THP file.
 */
export async function transparentHugepages(file = THP_ENABLED): Promise<string | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  return text === null ? null : parseTransparentHugepages(text);
}
