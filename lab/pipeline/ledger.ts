// The one owner of a run's repetitions: what started, what finished, what was tried again, and the saving of it
// all. Workers hand it finished repetitions; nothing else writes these lists.
import type { RetriedFault, RunRecord } from '../model/results.js';

export interface LedgerSnapshot {
  records: RunRecord[];
  order: string[];
  retried: RetriedFault[];
}

export class RunLedger {
  private readonly records: RunRecord[] = [];
  private readonly order: string[] = [];
  private readonly retried: RetriedFault[] = [];
  private pending: Promise<unknown> = Promise.resolve();

  started(id: string): void {
    this.order.push(id);
  }

  finished(record: RunRecord): void {
    this.records.push(record);
  }

  triedAgain(fault: RetriedFault): void {
    this.retried.push(fault);
  }

  get finishedCount(): number {
    return this.records.length;
  }

  /** Copies, so a save in progress never sees a list change under it. */
  snapshot(): LedgerSnapshot {
    return { records: [...this.records], order: [...this.order], retried: [...this.retried] };
  }

  /**
   * Saves one after another: parallel repetitions finish at any moment, and two writes of one file must not
   * interleave. A failed save does not stop the next one; the caller of each sees its own failure.
   */
  save<T>(write: (snapshot: LedgerSnapshot) => Promise<T>): Promise<T> {
    const next = this.pending.catch(() => {}).then(() => write(this.snapshot()));
    this.pending = next;
    return next;
  }
}
