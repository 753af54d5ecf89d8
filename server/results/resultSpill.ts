/**
 * One run's side of a kept result: the page gets the first `windowRows` rows over the socket as always; a
 * result with more is kept whole on the server (keptResults.ts) for the page to read in windows. Small
 * results never touch a file: the first rows are buffered (at most BUFFER_ROWS, so a large window does not
 * hold a large result in the server's memory), and only a row past them starts the keeping; a result that
 * then ends within the window is dropped, as the page has it all.
 */
const BUFFER_ROWS = 10_000;

import type { Cell, ColumnInfo } from '../protocol';
import type { KeptResults, KeptSummary, KeptWriter } from './keptResults';

export class ResultSpill {
  private columns: readonly ColumnInfo[] = [];
  private buffered: (readonly Cell[])[] = [];
  private writer: KeptWriter | null = null;
  private seen = 0;

  constructor(
    private readonly store: KeptResults,
    private readonly runId: string,
    private readonly owner: string,
    private readonly windowRows: number,
  ) {}

  setColumns(columns: readonly ColumnInfo[]): void {
    this.columns = columns;
  }

  /** Takes a batch; resolves to the part of it the page should be sent (none once its window is full). */
  async take(batch: readonly (readonly Cell[])[]): Promise<readonly (readonly Cell[])[]> {
    const room = Math.max(0, this.windowRows - this.seen);
    this.seen += batch.length;
    if (this.writer) this.writer.append(batch);
    else if (this.seen <= Math.min(this.windowRows, BUFFER_ROWS)) for (const row of batch) this.buffered.push(row);
    else {
      this.writer = await this.store.begin(this.runId, this.owner, this.columns);
      this.writer.append(this.buffered);
      this.buffered = [];
      this.writer.append(batch);
    }
    return room >= batch.length ? batch : batch.slice(0, room);
  }

  /** The kept result's summary, or null when the page got every row and nothing was kept. */
  async finish(): Promise<KeptSummary | null> {
    this.buffered = [];
    if (!this.writer) return null;
    if (this.seen <= this.windowRows) {
      await this.writer.discard();
      return null;
    }
    return this.writer.finish();
  }

  /** The run failed or was cancelled: nothing is kept. */
  async discard(): Promise<void> {
    this.buffered = [];
    await this.writer?.discard();
  }
}
