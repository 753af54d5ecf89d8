import { useEffect, useMemo, useReducer, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { Cell, ColumnInfo } from '@site/server/protocol';
import { getApi } from '@site/src/lib/api';
import { isNumericColumn } from './csv';
import { KeptPageCache, keptSearch, type KeptPageAnswer, type KeptQuery } from './keptPages';
import { columnWidths, Row, useGridRows } from './ResultGrid';
import styles from './styles.module.css';

export interface KeptInfo {
  readonly runId: string;
  readonly rows: number;
  readonly truncated: boolean;
  readonly expiresAt: string;
}

interface Props {
  readonly base: string;
  readonly kept: KeptInfo;
  readonly columns: readonly ColumnInfo[];
  /** The rows the page was streamed first: they size the columns, as in the streamed grid. */
  readonly firstRows: readonly (readonly Cell[])[];
}

const NO_QUERY: KeptQuery = { sort: null, filter: '' };

/**
 * A result the server kept because it was too long to stream whole: the grid shows a window of it, fetched
 * a page at a time as it scrolls, and sorting, filtering and the CSV export happen on the server.
 */
export default function KeptGrid({ base, kept, columns, firstRows }: Props): ReactNode {
  const api = getApi(base);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [query, setQuery] = useState<KeptQuery>(NO_QUERY);
  const [typed, setTyped] = useState('');
  const [, changed] = useReducer((n: number) => n + 1, 0);
  const numeric = useMemo(() => columns.map(isNumericColumn), [columns]);
  const widths = useMemo(() => columnWidths(columns, firstRows, Math.min(firstRows.length, 200)), [columns, firstRows]);
  const queryKey = JSON.stringify(query);

  // One cache per result and query: a new sort or filter starts from its first page.
  const cache = useMemo(
    () =>
      new KeptPageCache(
        (offset, limit, signal) => api.get<KeptPageAnswer>(`/api/results/${encodeURIComponent(kept.runId)}?${keptSearch(query, { offset, limit })}`, signal),
        changed,
      ),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- queryKey stands for query
    [api, kept.runId, queryKey],
  );
  useEffect(() => () => cache.dispose(), [cache]);

  const total = cache.total ?? (query === NO_QUERY ? kept.rows : 0);
  const virtualizer = useGridRows(total, scrollRef);
  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items[items.length - 1]?.index ?? 0;
  useEffect(() => cache.want(firstIndex, lastIndex), [cache, firstIndex, lastIndex]);
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [queryKey]);

  const top = items[0]?.start ?? 0;
  const bottom = virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0);
  const placeholder = useMemo(() => columns.map(() => '…'), [columns]);

  const sortBy = (column: number) =>
    setQuery((q) => ({
      ...q,
      // Ascending, then descending, then the run's own order.
      sort: q.sort?.column !== column ? { column, descending: false } : q.sort.descending ? null : { column, descending: true },
    }));
  const applyFilter = (event: FormEvent) => {
    event.preventDefault();
    setQuery((q) => ({ ...q, filter: typed.trim() }));
  };

  const sortedBy = query.sort ? `sorted by ${columns[query.sort.column]?.name ?? '?'} ${query.sort.descending ? '↓' : '↑'}` : null;
  const matching = query.filter ? (cache.total === null ? `filtering on “${query.filter}”…` : `${cache.total.toLocaleString()} match “${query.filter}”`) : null;

  return (
    <div className={styles.grid} data-kept-result={kept.runId}>
      <form className={styles.gridToolbar} onSubmit={applyFilter} role="search" aria-label="Filter the result">
        <input
          className={styles.paramInput}
          type="search"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          placeholder="Text in any column"
          aria-label="Filter rows"
        />
        <button type="submit" className={styles.smallButton}>
          Filter
        </button>
        <span className={styles.muted} aria-live="polite" data-kept-status>
          {[`${kept.rows.toLocaleString()} rows kept on the server${kept.truncated ? ' (truncated)' : ''}`, matching, sortedBy].filter(Boolean).join(' · ')}
        </span>
      </form>
      {cache.error ? (
        <p role="alert" className={styles.gridError}>
          {cache.error.message}
        </p>
      ) : null}
      <div className={styles.gridScroll} ref={scrollRef} tabIndex={0}>
        <table
          role="table"
          aria-label="Results"
          aria-rowcount={total}
          className={`${styles.table} ${styles.fixedTable}`}
          // Each column has room for its sort arrow.
          style={{ width: `${widths.reduce((sum, w) => sum + w + 2, 0)}ch` }}
        >
          <colgroup>
            {widths.map((width, j) => (
              <col key={j} style={{ width: `${width + 2}ch` }} />
            ))}
          </colgroup>
          <thead>
            <tr>
              {columns.map((column, j) => (
                <th
                  key={j}
                  scope="col"
                  title={`${column.type} — sort`}
                  className={numeric[j] ? styles.numberHead : undefined}
                  aria-sort={query.sort?.column === j ? (query.sort.descending ? 'descending' : 'ascending') : 'none'}
                >
                  <button type="button" className={styles.sortButton} onClick={() => sortBy(j)}>
                    {column.name}
                    {query.sort?.column === j ? (query.sort.descending ? ' ↓' : ' ↑') : ''}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {top > 0 ? <tr aria-hidden="true" style={{ height: top }} /> : null}
            {items.map((item) => (
              <Row key={item.index} index={item.index} row={cache.rowAt(item.index) ?? placeholder} numeric={numeric} />
            ))}
            {bottom > 0 ? <tr aria-hidden="true" style={{ height: bottom }} /> : null}
            {total === 0 && cache.total === 0 ? (
              <tr>
                <td colSpan={columns.length} className={styles.emptyCell}>
                  No rows match
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <div className={styles.gridFooter}>
        <a className={styles.smallButton} href={api.url(`/api/results/${encodeURIComponent(kept.runId)}/csv?${keptSearch(query)}`)} download>
          Export CSV
        </a>
        <span className={styles.muted}>Kept until {new Date(kept.expiresAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}; after that, run it again.</span>
      </div>
    </div>
  );
}
