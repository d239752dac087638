// The kernel's own word on an OOM kill: memcg "oom-kill:" records in /dev/kmsg, matched to an instance by the
// cgroup names (container ids) in their task_memcg, so a kill counts whatever the runtime labelled it.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export const KMSG = '/dev/kmsg';

/** The cgroup a memcg OOM kill record names for the killed task; null for other records. */
export function oomKillCgroup(record: string): string | null {
  const text = record.slice(record.indexOf(';') + 1);
  if (!text.startsWith('oom-kill:')) return null;
  return /(?:^|,)task_memcg=([^,\s]+)/.exec(text)?.[1] ?? null;
}

/** How many of the records are OOM kills in a cgroup whose path holds one of the keys (container ids). */
export function countOomKills(records: readonly string[], keys: readonly string[]): number {
  const wanted = keys.filter((key) => key.length >= 12);
  return records.filter((record) => {
    const cgroup = oomKillCgroup(record);
    return cgroup !== null && wanted.some((key) => cgroup.includes(key));
  }).length;
}

/**
 * Every record the kernel's ring buffer holds now: one read() of /dev/kmsg returns one record, and a non-blocking
 * read at the end fails with EAGAIN. Throws where the file cannot be read (no root, a container without it).
 */
export async function readKernelRecords(file = KMSG): Promise<string[]> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  const records: string[] = [];
  const buffer = Buffer.alloc(16 * 1024);
  try {
    for (;;) {
      try {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        records.push(buffer.toString('utf8', 0, bytesRead).trimEnd());
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') break;
        if (code === 'EPIPE') continue; // records overwritten while reading: go on from the oldest kept
        throw error;
      }
    }
  } finally {
    await handle.close();
  }
  return records;
}

/** OOM kills the kernel logged for these cgroup keys, or null with why it could not tell. */
export async function kernelOomKills(keys: readonly string[], file = KMSG): Promise<{ kills: number | null; unreadable: string | null }> {
  try {
    return { kills: countOomKills(await readKernelRecords(file), keys), unreadable: null };
  } catch (error) {
    return { kills: null, unreadable: `${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
}
