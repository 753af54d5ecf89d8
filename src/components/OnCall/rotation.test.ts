import { describe, expect, it } from 'vitest';
import type { Rotation } from '../opsData';
import { addDays, dateIn, weekOf, weeksFrom } from './rotation';

const rotation: Rotation = {
  name: 'Test',
  start: '2026-01-05',
  cycle: [
    { primary: 'A', backup: 'B' },
    { primary: 'B', backup: 'C' },
    { primary: 'C', backup: 'D' },
    { primary: 'D', backup: 'A' },
  ],
  swaps: [
    { week: '2026-12-21', primary: 'A', reason: 'C on holiday' },
    { week: '2027-01-04', primary: 'C', reason: 'swap back' },
  ],
};

describe('weekOf', () => {
  it('puts the start date in week 1 and repeats the cycle every four weeks', () => {
    expect(weekOf(rotation, '2026-01-05')).toMatchObject({ start: '2026-01-05', end: '2026-01-11', cycleWeek: 1, primary: 'A', backup: 'B' });
    expect(weekOf(rotation, '2026-01-11')).toMatchObject({ cycleWeek: 1 });
    expect(weekOf(rotation, '2026-01-12')).toMatchObject({ cycleWeek: 2, primary: 'B', backup: 'C' });
    expect(weekOf(rotation, '2026-02-02')).toMatchObject({ cycleWeek: 1, primary: 'A' });
  });

  it('applies a holiday swap to its week only, and says why', () => {
    expect(weekOf(rotation, '2026-12-23')).toMatchObject({ start: '2026-12-21', primary: 'A', backup: 'D', swapReason: 'C on holiday', primarySwapped: true, backupSwapped: false });
    expect(weekOf(rotation, '2026-12-28')).toMatchObject({ primary: 'D', backup: 'A', swapReason: null });
    expect(weekOf(rotation, '2027-01-04')).toMatchObject({ primary: 'C', backup: 'B', swapReason: 'swap back' });
  });

  it('counts backwards through the cycle before the start date', () => {
    expect(weekOf(rotation, '2026-01-04')).toMatchObject({ start: '2025-12-29', cycleWeek: 4, primary: 'D' });
  });
});

describe('weeksFrom', () => {
  it('lists the current week and the following ones', () => {
    const weeks = weeksFrom(rotation, '2026-12-16', 4);
    expect(weeks.map((w) => [w.start, w.primary, w.backup])).toEqual([
      ['2026-12-14', 'B', 'C'],
      ['2026-12-21', 'A', 'D'],
      ['2026-12-28', 'D', 'A'],
      ['2027-01-04', 'C', 'B'],
    ]);
  });
});

describe('dates', () => {
  it('adds days across month and year ends', () => {
    expect(addDays('2026-12-28', 7)).toBe('2027-01-04');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
  });

  it('reads today in the rotation time zone', () => {
    const now = new Date('2026-03-01T23:30:00Z');
    expect(dateIn(now, 'UTC')).toBe('2026-03-01');
    expect(dateIn(now, 'Asia/Bangkok')).toBe('2026-03-02');
    expect(dateIn(now, 'Not/AZone')).toBe('2026-03-01');
  });
});
