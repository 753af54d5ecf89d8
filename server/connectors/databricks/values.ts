/**
 * JSON_ARRAY cells are text (or null); the manifest's type_name says what they are. Integers in JS's
 * safe range become numbers, larger ones and scaled decimals stay exact text; booleans become booleans;
 * ARRAY, MAP and STRUCT arrive as JSON text and become JSON. Dates and timestamps stay Databricks' ISO text.
 */
import type { Cell, ColumnInfo } from '../../protocol';
import type { WireColumn } from './wire';

type Convert = (text: string) => Cell;

export function columnInfo(column: WireColumn): ColumnInfo {
  return { name: column.name, type: (column.type_text ?? column.type_name ?? 'STRING').toUpperCase() };
}

function integerCell(text: string): Cell {
  const n = Number(text);
  return Number.isSafeInteger(n) && /^-?\d+$/.test(text) ? n : text;
}

function realCell(text: string): Cell {
  const n = Number(text);
  return Number.isFinite(n) ? n : text; // NaN and Infinity stay text: JSON has no such numbers
}

function jsonCell(text: string): Cell {
  try {
    return JSON.parse(text) as Cell;
  } catch {
    return text;
  }
}

export function converterFor(column: WireColumn): Convert {
  switch ((column.type_name ?? '').toUpperCase()) {
    case 'BYTE':
    case 'SHORT':
    case 'INT':
    case 'LONG':
      return integerCell;
    case 'DECIMAL':
      return (column.type_scale ?? 0) === 0 ? integerCell : String;
    case 'FLOAT':
    case 'DOUBLE':
      return realCell;
    case 'BOOLEAN':
      return (t) => (t === 'true' ? true : t === 'false' ? false : t);
    case 'ARRAY':
    case 'MAP':
    case 'STRUCT':
      return jsonCell;
    default:
      return String;
  }
}

export function convertRows(rows: readonly (readonly (string | null)[])[], convert: readonly Convert[]): Cell[][] {
  return rows.map((row) => row.map((v, i) => (v === null ? null : (convert[i] ?? String)(v))));
}
