import { describe, expect, it } from 'vitest';
import { resolveRelativeDates } from './dates';

describe('resolveRelativeDates', () => {
  const now = new Date('2026-03-01T10:00:00Z');

  it('turns today-N into the date N days before today in the time zone', () => {
    expect(resolveRelativeDates({ logical_date: 'today-2', dag_id: 'cdm_publish' }, now, 'UTC')).toEqual({ logical_date: '2026-02-27', dag_id: 'cdm_publish' });
  });

  it('counts from the calendar date of the time zone, not of UTC', () => {
    expect(resolveRelativeDates({ d: 'today-1' }, new Date('2026-03-01T23:30:00Z'), 'Asia/Tokyo')).toEqual({ d: '2026-03-01' });
  });

  it('leaves every other value, the words the server resolves included, as it is', () => {
    expect(resolveRelativeDates({ a: 'yesterday', b: 'today', c: 3, e: 'today-x' }, now, 'UTC')).toEqual({ a: 'yesterday', b: 'today', c: 3, e: 'today-x' });
  });
});
