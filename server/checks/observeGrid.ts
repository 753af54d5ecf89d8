/**
 * What a system or Airflow read command returned, as a check sees it: the grid it streamed to the page (columns
 * and every row, up to the run's row cap) becomes the check's observation — `rows`, `value` (the first cell),
 * a column of the first row, or count(…) over all rows. The page gets every message unchanged.
 */
import type { Cell } from '../protocol';
import type { RunChannel } from '../execution/runner';
import type { Observation } from './evaluate';

export interface GridObserver {
  readonly channel: RunChannel;
  /** The grid as a check's observation; the row count is the one the command reported. */
  observation(): Observation;
}

export function observeGrid(inner: RunChannel): GridObserver {
  let columns: string[] = [];
  const rows: (readonly Cell[])[] = [];
  return {
    channel: {
      send(message) {
        // A command that sends a second grid (a preview, then its result) is judged on the last one.
        if (message.type === 'columns') {
          columns = message.columns.map((c) => c.name);
          rows.length = 0;
        }
        inner.send(message);
      },
      rows(batch) {
        rows.push(...batch);
        return inner.rows(batch);
      },
    },
    observation: () => ({ rowCount: rows.length, columns, firstRow: rows[0], rows }),
  };
}
