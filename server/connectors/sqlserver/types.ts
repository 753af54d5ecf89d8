/**
 * SQL Server type mapping, both ways.
 *
 * Binds: `@name` parameters typed from the runbook's declaration — DATE, DATETIME2(0), INT or BIGINT by
 * magnitude, DECIMAL with the value's own scale (a FLOAT parameter would convert DECIMAL columns and lose
 * index seeks), NVARCHAR(4000) (one declared length, so SQL Server reuses the plan).
 *
 * Cells: tedious decodes DECIMAL/NUMERIC/MONEY to JS numbers (exact to about 15 digits) and BIGINT to
 * text; decimals leave as text with their declared scale, as PostgreSQL prints them. Dates arrive as
 * UTC-based Dates (useUTC) and leave as wall-clock text with the column's precision, including the
 * 100 ns digits tedious keeps beside the Date. Binary leaves as 0x-hex, as SSMS shows it.
 */
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { Cell, ColumnInfo } from '../../protocol';
import type { MssqlColumn } from './driver';

/** mssql's type factories this module binds with; passed in so binding can be tested without mssql. */
export interface InputTypes {
  readonly Date: unknown;
  readonly DateTime2: (scale: number) => unknown;
  readonly Int: unknown;
  readonly BigInt: unknown;
  readonly Decimal: (precision: number, scale: number) => unknown;
  readonly Float: unknown;
  readonly NVarChar: (length: number) => unknown;
  readonly MAX: number;
}

export interface Input {
  readonly name: string;
  readonly type: unknown;
  readonly value: Date | number | string | null;
}

export function mssqlInput(name: string, bound: BoundValue | undefined, types: InputTypes): Input {
  if (!bound) return { name, type: types.NVarChar(4000), value: null };
  switch (bound.type) {
    case 'date':
      return { name, type: types.Date, value: utcDate(bound.value) };
    case 'datetime':
      return { name, type: types.DateTime2(0), value: utcDate(bound.value) };
    case 'int':
      return { name, type: Math.abs(bound.value) <= 2_147_483_647 ? types.Int : types.BigInt, value: bound.value };
    case 'number': {
      const scale = decimalScale(bound.value);
      return scale === null ? { name, type: types.Float, value: bound.value } : { name, type: types.Decimal(38, scale), value: bound.value };
    }
    case 'string':
      return { name, type: types.NVarChar(bound.value.length <= 4000 ? 4000 : types.MAX), value: bound.value };
  }
}

/** Digits after the point when the number prints plainly (1.25 → 2), null for exponent forms. */
function decimalScale(value: number): number | null {
  const text = String(value);
  if (!/^-?\d+(\.\d+)?$/.test(text)) return null;
  return Math.min(text.split('.')[1]?.length ?? 0, 20);
}

/** With useUTC, tedious sends a Date's UTC fields: build them from the wall-clock text. */
export function utcDate(text: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!m) throw new TypeError(`not a date or datetime: ${text}`);
  const [y, mo, d, h, mi, s] = m.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date;
}

export function typeName(column: MssqlColumn): string {
  return (column.udt?.name ?? column.type?.declaration ?? 'unknown').toUpperCase();
}

export function columnsOf(columns: readonly MssqlColumn[]): ColumnInfo[] {
  // SQL Server leaves computed columns unnamed (SSMS shows "(No column name)"); the grid needs a header.
  return columns.map((c, i) => ({ name: c.name || `column${i + 1}`, type: typeName(c) }));
}

type Convert = (value: unknown) => Cell;

export function rowConverter(columns: readonly MssqlColumn[]): (row: readonly unknown[]) => Cell[] {
  const converters = columns.map(converterFor);
  return (row) => converters.map((convert, i) => convert(row[i]));
}

function converterFor(column: MssqlColumn): Convert {
  const declaration = column.type?.declaration ?? '';
  switch (declaration) {
    case 'decimal':
    case 'numeric':
      return decimal(column.scale ?? 0);
    case 'money':
    case 'smallmoney':
      return decimal(4);
    case 'bigint':
      return (v) => (v === null || v === undefined ? null : String(v));
    case 'date':
      return whenDate((d) => dateText(d));
    case 'datetime':
      return whenDate((d) => `${dateText(d)} ${timeText(d, 3)}`);
    case 'smalldatetime':
      return whenDate((d) => `${dateText(d)} ${timeText(d, 0)}`);
    case 'datetime2':
      return whenDate((d) => `${dateText(d)} ${timeText(d, column.scale ?? 7)}`);
    case 'datetimeoffset':
      return whenDate((d) => `${dateText(d)} ${timeText(d, column.scale ?? 7)}+00:00`);
    case 'time':
      return whenDate((d) => timeText(d, column.scale ?? 7));
    default:
      return jsonSafe;
  }
}

function decimal(scale: number): Convert {
  return (v) => (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e21 ? v.toFixed(scale) : jsonSafe(v));
}

function whenDate(format: (d: Date) => string): Convert {
  return (v) => (v instanceof Date ? format(v) : jsonSafe(v));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function dateText(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** HH:MM:SS plus `scale` fractional digits, from the milliseconds and tedious's `nanosecondsDelta`. */
function timeText(d: Date, scale: number): string {
  const base = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (scale <= 0) return base;
  const delta = (d as Date & { nanosecondsDelta?: number }).nanosecondsDelta ?? 0;
  const ticks = d.getUTCMilliseconds() * 10_000 + Math.round(delta * 1e7); // 100 ns units
  return `${base}.${pad(ticks, 7).slice(0, Math.min(scale, 7))}`;
}

export function jsonSafe(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex').toUpperCase()}`;
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object') {
    const out: Record<string, Cell> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = jsonSafe(v);
    return out;
  }
  return String(value);
}
