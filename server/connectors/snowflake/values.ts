/**
 * Snowflake type mapping: column headers with Snowflake's type names, cells JSON-safe and exact.
 * Numbers arrive as the server's text (fetchAsString: Number) so NUMBER(38,0) and scaled decimals never
 * pass through a float: integers in JS's safe range become numbers, everything else stays text. Dates and
 * timestamps become ISO text built from the driver's epoch seconds and nanoseconds (not from the
 * account's *_OUTPUT_FORMAT): NTZ without a zone, LTZ in UTC (Z), TZ with its own offset.
 */
import type { Cell, ColumnInfo } from '../../protocol';
import type { SfColumn } from './driver';

type Convert = (value: unknown) => Cell;

export function columnInfo(column: SfColumn): ColumnInfo {
  return { name: column.getName(), type: typeName(column) };
}

export function typeName(column: SfColumn): string {
  const type = column.getType();
  if (type === 'fixed') return `NUMBER(${column.getPrecision()},${column.getScale()})`;
  if (type === 'real') return 'FLOAT';
  if (type === 'text') return 'VARCHAR';
  return type.toUpperCase();
}

export function converters(columns: readonly SfColumn[]): Convert[] {
  return columns.map((c) => converterFor(c.getType(), c.getScale()));
}

/** Converts one driver row (rowMode: 'array') in place and returns it as cells. */
export function convertRow(row: unknown[], convert: readonly Convert[]): Cell[] {
  for (let i = 0; i < row.length; i++) row[i] = row[i] === null || row[i] === undefined ? null : convert[i]!(row[i]);
  return row as Cell[];
}

function converterFor(type: string, scale: number): Convert {
  switch (type) {
    case 'fixed':
      return scale === 0 ? integerCell : String;
    case 'real':
      return realCell;
    case 'date':
      return (v) => isoDateTime(v as SfDate, 'date');
    case 'timestamp_ntz':
      return (v) => isoDateTime(v as SfDate, 'ntz');
    case 'timestamp_ltz':
      return (v) => isoDateTime(v as SfDate, 'ltz');
    case 'timestamp_tz':
      return (v) => isoDateTime(v as SfDate, 'tz');
    case 'binary':
      return (v) => (Buffer.isBuffer(v) ? v.toString('hex').toUpperCase() : String(v));
    default:
      // text, boolean, time (the driver's formatted text), variant/object/array (parsed JSON) and
      // structured types (whose nested dates, binaries and maps still need making JSON-safe).
      return jsonSafe;
  }
}

function integerCell(raw: unknown): Cell {
  const text = String(raw);
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

function realCell(raw: unknown): Cell {
  const n = Number(raw);
  return Number.isFinite(n) ? n : String(raw); // NaN and inf stay text: JSON has no such numbers
}

/** The Date subclass the driver returns for DATE and TIMESTAMP_* columns. */
interface SfDate extends Date {
  getEpochSeconds(): number;
  getNanoSeconds(): number;
  getScale(): number;
  getTimezone(): unknown;
}

function isoDateTime(value: SfDate, kind: 'date' | 'ntz' | 'ltz' | 'tz'): string {
  if (typeof value.getEpochSeconds !== 'function') return value instanceof Date ? value.toISOString() : String(value);
  const seconds = value.getEpochSeconds();
  // TIMESTAMP_TZ keeps its offset (minutes east of UTC); print the wall-clock time at that offset.
  const offset = kind === 'tz' && typeof value.getTimezone() === 'number' ? (value.getTimezone() as number) : 0;
  const wall = new Date((seconds + offset * 60) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  if (kind === 'date') return wall.slice(0, 10);
  // Trailing zeros say nothing: 08:30:00.000000000 reads 08:30:00, 08:30:00.120000 reads 08:30:00.12.
  const digits = String(value.getNanoSeconds()).padStart(9, '0').slice(0, Math.max(0, value.getScale())).replace(/0+$/, '');
  const fraction = digits ? `.${digits}` : '';
  const base = `${wall.slice(0, 19)}${fraction}`;
  if (kind === 'ntz') return base;
  if (kind === 'ltz') return `${base}Z`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${base}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Anything the driver parsed: made JSON-safe all the way down. */
export function jsonSafe(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return isoDateTime(value as SfDate, 'ltz');
  if (Buffer.isBuffer(value)) return value.toString('hex').toUpperCase();
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), jsonSafe(v)]));
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object') {
    const out: Record<string, Cell> = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonSafe(v);
    return out;
  }
  return String(value);
}
