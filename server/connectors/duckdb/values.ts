/** DuckDB type mapping: bound parameters in, JSON-safe cells out. */
import {
  BIGINT,
  DATE,
  DOUBLE,
  TIMESTAMP,
  VARCHAR,
  dateValue,
  timestampValue,
  JsonDuckDBValueConverter,
  type DuckDBDataChunk,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { Cell } from '../../protocol';

export function toDuckDBBind(bound: BoundValue): { value: DuckDBValue; type: DuckDBType } {
  switch (bound.type) {
    case 'date': {
      const [year, month, day] = bound.value.split('-').map(Number) as [number, number, number];
      return { value: dateValue({ year, month, day }), type: DATE };
    }
    case 'datetime': {
      const [d, t] = bound.value.split(' ') as [string, string];
      const [year, month, day] = d.split('-').map(Number) as [number, number, number];
      const [hour, min, sec] = t.split(':').map(Number) as [number, number, number];
      return { value: timestampValue({ date: { year, month, day }, time: { hour, min, sec, micros: 0 } }), type: TIMESTAMP };
    }
    case 'int':
      return { value: BigInt(bound.value), type: BIGINT };
    case 'number':
      return { value: bound.value, type: DOUBLE };
    case 'string':
      return { value: bound.value, type: VARCHAR };
  }
}

/**
 * Rows of a chunk as JSON-safe cells: the driver's JSON converter turns BIGINT/HUGEINT/DECIMAL into
 * strings, dates and timestamps into ISO text, lists and structs into arrays and objects.
 */
export function chunkRows(chunk: DuckDBDataChunk): Cell[][] {
  return chunk.convertRows(JsonDuckDBValueConverter) as Cell[][];
}
