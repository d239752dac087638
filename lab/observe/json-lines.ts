import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** One line of a JSON-lines stream: its value, or why it is not JSON (a crash message, a cut-off last line). */
export type JsonLine = { value: unknown; line: string } | { error: string; line: string };

/**
 * Newline-delimited JSON from a byte stream: readline joins lines split across chunks (and multi-byte
 * characters split across them), takes \n and \r\n alike, and skips blank lines; it ends with the stream.
 */
export async function* readJsonLines(stream: Readable): AsyncGenerator<JsonLine> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    try {
      yield { value: JSON.parse(line) as unknown, line };
    } catch (error) {
      yield { error: (error as Error).message, line };
    }
  }
}
