/**
 * What a finished SQL write says to the operator: how many rows it changed, and whether that deserves a
 * second look. "0 rows changed" is a warning, not a success — the write matched nothing — and a write
 * rolled back by its `expect="affected …"` check says that nothing changed. Pure; unit-tested.
 */
import type { DoneMessage } from '@site/server/protocol';

export type WriteTone = 'changed' | 'nothing' | 'rolledBack';

export interface WriteOutcome {
  readonly tone: WriteTone;
  /** Beside the status word: "3 rows changed". */
  readonly count: string;
  /** A sentence for the operator when the write needs a second look; null when it did what it should. */
  readonly sentence: string | null;
}

export function rowsChanged(n: number): string {
  return `${n.toLocaleString('en-US')} row${n === 1 ? '' : 's'} changed`;
}

/** Null for reads and Airflow runs (no rows-changed figure), and for runs that did not finish. */
export function writeOutcome(done: DoneMessage | null): WriteOutcome | null {
  if (!done || done.rowsAffected === undefined) return null;
  const count = rowsChanged(done.rowsAffected);
  if (done.rolledBack) {
    return { tone: 'rolledBack', count, sentence: `Rolled back: the write changed ${count.replace(' changed', '')}, which its check does not allow, so nothing was saved. Check the parameters, then run it again.` };
  }
  if (done.status !== 'succeeded') return null;
  if (done.rowsAffected === 0) {
    return { tone: 'nothing', count, sentence: 'The write matched nothing: no row has changed. Check the parameters (the date, the names) against the data before you go on.' };
  }
  return { tone: 'changed', count, sentence: null };
}
