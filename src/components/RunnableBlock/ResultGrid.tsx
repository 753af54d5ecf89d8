import { memo, useCallback, useMemo, useRef, useState, type ReactNode, type RefObject } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Cell, ColumnInfo } from '@site/server/protocol';
import { cellText, isNumericColumn, toCsv } from './csv';
import styles from './styles.module.css';

interface Props {
  readonly columns: readonly ColumnInfo[];
  readonly rows: readonly (readonly Cell[])[];
  /** How many of `rows` to show (rows grow in place while streaming). */
  readonly rowCount: number;
  readonly streaming: boolean;
}

/** Past this many rows only the visible ones are in the DOM. */
const VIRTUALIZE_AFTER = 1_000;
export const ROW_HEIGHT = 26;

/** The rows in view of a grid whose rows are all ROW_HEIGHT tall (streamed and server-kept grids alike). */
export function useGridRows(count: number, scrollRef: RefObject<HTMLDivElement | null>) {
  return useVirtualizer<HTMLDivElement, HTMLTableRowElement>({ count, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 10 });
}

const CellView = memo(function CellView({ cell, numeric }: { readonly cell: Cell; readonly numeric: boolean }): ReactNode {
  if (cell === null) return <td className={styles.nullCell}>NULL</td>;
  const text = cellText(cell);
  const nested = typeof cell === 'object';
  const isNumber = numeric || typeof cell === 'number';
  return (
    <td className={nested ? styles.nestedCell : isNumber ? styles.numberCell : undefined} title={text.length > 40 ? text : undefined}>
      {text}
    </td>
  );
});

interface RowProps {
  readonly row: readonly Cell[];
  readonly numeric: readonly boolean[];
  readonly index?: number;
}

/** Memoised: a row that stays in view while the grid scrolls is not rendered again. */
export const Row = memo(function Row({ row, numeric, index }: RowProps): ReactNode {
  return (
    <tr data-index={index}>
      {numeric.map((isNumeric, j) => (
        <CellView key={j} cell={row[j] ?? null} numeric={isNumeric} />
      ))}
    </tr>
  );
});

/** Rows sampled to size the columns of a long result, once: widths must not change while it scrolls. */
const WIDTH_SAMPLE = 200;
const MIN_CH = 4;
const MAX_CH = 40;

/**
 * Column widths in `ch` from the header and the first rows. A long result's table has a fixed layout:
 * with automatic layout every scroll step re-measured every cell of the rendered rows to size the columns,
 * and the columns jumped as longer values scrolled in.
 */
export function columnWidths(columns: readonly ColumnInfo[], rows: readonly (readonly Cell[])[], sampled: number): readonly number[] {
  return columns.map((column, j) => {
    let widest = column.name.length;
    for (let i = 0; i < sampled; i += 1) widest = Math.max(widest, cellText(rows[i]?.[j] ?? null).length);
    return Math.min(MAX_CH, Math.max(MIN_CH, widest)) + 2; // + the cell's padding
  });
}

/**
 * The rows of a long result: only those in view (plus a few) are in the DOM. Every row is ROW_HEIGHT tall
 * (the stylesheet fixes it), so positions are arithmetic — nothing is measured while scrolling.
 */
function VirtualBody(props: {
  readonly rows: readonly (readonly Cell[])[];
  readonly rowCount: number;
  readonly numeric: readonly boolean[];
  readonly scrollRef: RefObject<HTMLDivElement | null>;
}): ReactNode {
  const { rows, rowCount, numeric, scrollRef } = props;
  const virtualizer = useGridRows(rowCount, scrollRef);
  const items = virtualizer.getVirtualItems();
  const top = items[0]?.start ?? 0;
  const bottom = virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0);
  return (
    <tbody>
      {top > 0 ? <tr aria-hidden="true" style={{ height: top }} /> : null}
      {items.map((item) => (
        <Row key={item.index} index={item.index} row={rows[item.index] ?? EMPTY_ROW} numeric={numeric} />
      ))}
      {bottom > 0 ? <tr aria-hidden="true" style={{ height: bottom }} /> : null}
    </tbody>
  );
}

const EMPTY_ROW: readonly Cell[] = [];

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API refused (insecure origin, permissions): fall back to a hidden textarea.
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

/** The result table: sticky header, typed alignment, NULL shown as NULL, virtualized when long. */
function ResultGrid({ columns, rows, rowCount, streaming }: Props): ReactNode {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  // Stable across renders, so memoised rows stay memoised while the result streams and scrolls.
  const numeric = useMemo(() => columns.map(isNumericColumn), [columns]);
  const virtual = rowCount > VIRTUALIZE_AFTER;
  const sampled = Math.min(rowCount, WIDTH_SAMPLE);
  const widths = useMemo(() => (virtual ? columnWidths(columns, rows, sampled) : null), [virtual, columns, rows, sampled]);

  const onCopy = useCallback(async () => {
    const ok = await copyText(toCsv(columns, rows, rowCount));
    setCopied(ok ? `Copied ${rowCount.toLocaleString()} rows` : 'Copy failed');
    setTimeout(() => setCopied(null), 2_000);
  }, [columns, rows, rowCount]);

  if (columns.length === 0) return null;
  return (
    <div className={styles.grid}>
      <div className={styles.gridScroll} ref={scrollRef} tabIndex={0}>
        <table role="table" aria-label="Results" className={widths ? `${styles.table} ${styles.fixedTable}` : styles.table}
          style={widths ? { width: `${widths.reduce((sum, w) => sum + w, 0)}ch` } : undefined}
        >
          {widths ? (
            <colgroup>
              {widths.map((width, j) => (
                <col key={j} style={{ width: `${width}ch` }} />
              ))}
            </colgroup>
          ) : null}
          <thead>
            <tr>
              {columns.map((column, j) => (
                <th key={j} scope="col" title={column.type} className={numeric[j] ? styles.numberHead : undefined}>
                  {column.name}
                </th>
              ))}
            </tr>
          </thead>
          {virtual ? (
            <VirtualBody rows={rows} rowCount={rowCount} numeric={numeric} scrollRef={scrollRef} />
          ) : (
            <tbody>
              {rows.slice(0, rowCount).map((row, i) => (
                <Row key={i} row={row} numeric={numeric} />
              ))}
              {rowCount === 0 && !streaming ? (
                <tr>
                  <td colSpan={columns.length} className={styles.emptyCell}>
                    No rows
                  </td>
                </tr>
              ) : null}
            </tbody>
          )}
        </table>
      </div>
      <div className={styles.gridFooter}>
        <button type="button" className={styles.smallButton} onClick={() => void onCopy()} disabled={rowCount === 0}>
          Copy as CSV
        </button>
        <span aria-live="polite" className={styles.muted}>
          {copied}
        </span>
      </div>
    </div>
  );
}

export default memo(ResultGrid);
