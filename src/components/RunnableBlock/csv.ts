/** Result cells as text: the grid's display and the CSV copy share these rules. */
import type { Cell, ColumnInfo } from '@site/server/protocol';

const NUMERIC_TYPE = /int|decimal|numeric|double|float|real|number|money|serial/i;

export function isNumericColumn(column: ColumnInfo): boolean {
  return NUMERIC_TYPE.test(column.type);
}

/** Nested values (lists, structs, JSON) as compact JSON; scalars as they arrived. */
export function cellText(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'object') return JSON.stringify(cell);
  return String(cell);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV with a header row; NULL becomes an empty field. */
export function toCsv(columns: readonly ColumnInfo[], rows: readonly (readonly Cell[])[], count = rows.length): string {
  const lines: string[] = [columns.map((c) => csvField(c.name)).join(',')];
  for (let i = 0; i < count; i += 1) {
    const row = rows[i];
    if (!row) continue;
    lines.push(columns.map((_, j) => csvField(cellText(row[j] ?? null))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
