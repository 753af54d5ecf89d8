/**
 * A table of records under column headings: the markup the Operations list, the Health page and the audit log
 * each wrote out by hand. Each page keeps its own look (its class on the table, and on the scroll box); this holds
 * what must be the same in every one: headings a screen reader announces as column headers, a name it reads
 * for the table, and, for a table that can be wider than the window, a box that scrolls it sideways which a
 * keyboard can reach (so the page itself never scrolls sideways on a phone).
 */
import type { ReactNode } from 'react';
import clsx from 'clsx';
import styles from './styles.module.css';

export interface Column {
  readonly label: ReactNode;
  readonly className?: string;
}

interface Props {
  readonly columns: readonly (string | Column)[];
  /** The page's own look for the table. */
  readonly className?: string;
  /** What the table lists, for screen readers (sighted readers have the page's heading). */
  readonly label?: string;
  /** Set when the table can be wider than the window: the name of the box that scrolls it, and its look. */
  readonly scroll?: { readonly label: string; readonly className?: string };
  /** The rows (<tr> elements). */
  readonly children: ReactNode;
}

export default function DataTable({ columns, className, label, scroll, children }: Props): ReactNode {
  const table = (
    <table className={clsx(styles.table, className)} aria-label={label}>
      <thead>
        <tr>
          {columns.map((c, i) => {
            const column = typeof c === 'string' ? { label: c } : c;
            return (
              // The columns are fixed for a table's life: their place is their identity.
              <th key={i} scope="col" className={column.className}>
                {column.label}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
  if (!scroll) return table;
  return (
    <div className={clsx(styles.scroll, scroll.className)} tabIndex={0} role="region" aria-label={scroll.label}>
      {table}
    </div>
  );
}
