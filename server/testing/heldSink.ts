/**
 * A row sink whose every `rows` call waits until the test lets it go, as a socket over its high-water
 * mark does: tests of the send loop see what the server fetches from the driver while a batch is "on the wire".
 */
import type { Cell, ColumnInfo } from '../protocol';
import type { RowSink } from '../connectors/types';

export class HeldSink implements RowSink {
  columnsSeen: readonly ColumnInfo[] = [];
  readonly batches: (readonly (readonly Cell[])[])[] = [];
  private held: (() => void)[] = [];
  private releasedAll = false;

  columns(columns: readonly ColumnInfo[]): void {
    this.columnsSeen = columns;
  }

  rows(batch: readonly (readonly Cell[])[]): Promise<void> {
    this.batches.push(batch);
    if (this.releasedAll) return Promise.resolve();
    return new Promise((resolve) => this.held.push(resolve));
  }

  /** Lets the batches waiting so far go. */
  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }

  /** From now on, nothing waits. */
  releaseAll(): void {
    this.releasedAll = true;
    this.release();
  }

  /** A sink that never waits. */
  releaseAllAndReturn(): this {
    this.releaseAll();
    return this;
  }
}

/** Lets every pending promise callback and I/O callback queued so far run. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
