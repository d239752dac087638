// The engine's event stream, turned into terminations per container: an 'oom' before 'die' marks an OOM kill.
import type { Termination } from '../model/results.js';

interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

export class EventLedger {
  private readonly oomPending = new Set<string>();
  private buffered = '';
  readonly terminations = new Map<string, Termination[]>();
  /** Lines that were not JSON (skipped, counted: one bad line must not stop the rest). */
  malformed = 0;
  /** Why the stream stopped before the run did (an engine restart, an error); null while it flows. */
  lost: string | null = null;

  /** A chunk of the stream: whole lines are recorded, a partial one waits for the rest. */
  feed(chunk: Buffer | string): void {
    const lines = (this.buffered + chunk.toString()).split('\n');
    this.buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      let event: DockerEvent;
      try {
        event = JSON.parse(line) as DockerEvent;
      } catch {
        this.malformed += 1;
        continue;
      }
      this.record(event);
    }
  }

  record(event: DockerEvent): void {
    const id = event.Actor?.ID;
    if (event.Type !== 'container' || !id) return;
    if (event.Action === 'oom') this.oomPending.add(id);
    if (event.Action === 'die') {
      const exitCode = Number(event.Actor?.Attributes?.exitCode ?? NaN);
      const oomKilled = this.oomPending.delete(id);
      const at = new Date((event.timeNano ?? (event.time ?? 0) * 1e9) / 1e6).toISOString();
      const reason = oomKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error';
      const list = this.terminations.get(id) ?? [];
      list.push({ at, exitCode: Number.isFinite(exitCode) ? exitCode : null, reason, oomKilled });
      this.terminations.set(id, list);
    }
  }
}
