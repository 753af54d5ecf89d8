import { describe, expect, it } from 'vitest';
import type { SfColumn } from './driver';
import { convertRow, converters, typeName } from './values';

const column = (type: string, scale = 0, precision = 38): SfColumn => ({ getName: () => 'C', getType: () => type, getScale: () => scale, getPrecision: () => precision });

/** What snowflake-sdk hands back for DATE and TIMESTAMP_* values: a Date with Snowflake's parts. */
function sfDate(epochSeconds: number, nanos: number, scale: number, timezone: unknown): Date {
  return Object.assign(new Date(epochSeconds * 1000), { getEpochSeconds: () => epochSeconds, getNanoSeconds: () => nanos, getScale: () => scale, getTimezone: () => timezone });
}

const convert = (type: string, value: unknown, scale = 0) => convertRow([value], converters([column(type, scale)]))[0];

describe('Snowflake type mapping', () => {
  it('names columns with Snowflake types', () => {
    expect([typeName(column('fixed', 2, 12)), typeName(column('real')), typeName(column('text')), typeName(column('timestamp_tz'))]).toEqual(['NUMBER(12,2)', 'FLOAT', 'VARCHAR', 'TIMESTAMP_TZ']);
  });

  it('keeps numbers exact: safe integers as numbers, big integers and decimals as text', () => {
    expect(convert('fixed', '42')).toBe(42);
    expect(convert('fixed', '9007199254740993')).toBe('9007199254740993');
    expect(convert('fixed', '8.75', 2)).toBe('8.75');
    expect(convert('real', '2.5')).toBe(2.5);
    expect(convert('real', 'NaN')).toBe('NaN');
    expect(convert('fixed', null)).toBeNull();
  });

  it('writes dates and timestamps as ISO text: NTZ without zone, LTZ in UTC, TZ with its own offset', () => {
    const at = Date.UTC(2026, 10, 23, 8, 0, 0) / 1000;
    expect(convert('date', sfDate(Date.UTC(2026, 10, 22) / 1000, 0, 0, 'UTC'))).toBe('2026-11-22');
    expect(convert('timestamp_ntz', sfDate(at, 123_000_000, 9, 'UTC'))).toBe('2026-11-23T08:00:00.123');
    expect(convert('timestamp_ltz', sfDate(at, 0, 9, 'America/Los_Angeles'))).toBe('2026-11-23T08:00:00Z');
    expect(convert('timestamp_tz', sfDate(at, 500_000, 6, 120))).toBe('2026-11-23T10:00:00.0005+02:00');
    expect(convert('timestamp_tz', sfDate(at, 0, 0, -330))).toBe('2026-11-23T02:30:00-05:30');
    expect(convert('timestamp_ntz', sfDate(-1, 999_000_000, 3, 'UTC'))).toBe('1969-12-31T23:59:59.999');
  });

  it('makes binaries hex and parsed semi-structured values JSON-safe all the way down', () => {
    expect(convert('binary', Buffer.from([0xbe, 0xef]))).toBe('BEEF');
    expect(convert('variant', { a: [1, 2n], b: null })).toEqual({ a: [1, '2'], b: null });
    expect(convert('map', new Map([['k', Buffer.from([1])]]))).toEqual({ k: '01' });
    expect(convert('boolean', true)).toBe(true);
  });
});
