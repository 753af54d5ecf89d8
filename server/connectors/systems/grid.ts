/**
 * A result grid streamed page by page (S3 listings, dbt run results): columns once, then rows with the
 * socket's backpressure, stopping at the run's row cap and remembering that it did.
 */
import type { Cell, ColumnInfo } from '../../protocol';
import type { AirflowChannel } from '../airflow/execute/channel';

export interface Grid {
  columns(columns: readonly ColumnInfo[]): void;
  /** Sends what fits under the cap; false once the cap is reached (the caller may stop reading). */
  rows(batch: readonly (readonly Cell[])[]): Promise<boolean>;
  readonly rowCount: number;
  readonly truncated: boolean;
}

export function grid(channel: AirflowChannel, id: string, maxRows: number): Grid {
  let rowCount = 0;
  let truncated = false;
  return {
    columns(columns) {
      channel.send({ type: 'columns', id, columns });
    },
    async rows(batch) {
      const room = maxRows - rowCount;
      const kept = batch.slice(0, Math.max(0, room));
      if (kept.length < batch.length) truncated = true;
      if (kept.length > 0) {
        rowCount += kept.length;
        await channel.rows(kept);
      }
      return !truncated;
    },
    get rowCount() {
      return rowCount;
    },
    get truncated() {
      return truncated;
    },
  };
}
