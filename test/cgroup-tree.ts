import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A recorded cgroup tree is the output of `head -v -n 100 FILE...` run on a real machine: each file as
 * "==> path <==", its content, then a blank line. Written out under `dir`, it is a cgroupfs to read or modify.
 */
export async function materializeTree(recording: string, dir: string): Promise<string[]> {
  const text = await readFile(recording, 'utf8');
  const parts = text.split(/^==> (.+) <==\n/m);
  const written: string[] = [];
  for (let index = 1; index < parts.length; index += 2) {
    const relative = parts[index]!.replace(/^\/+/, '');
    const content = parts[index + 1]!.replace(/\n\n$/, '\n');
    const file = path.join(dir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    written.push(relative);
  }
  return written;
}
