/** Pure rotation arithmetic: which week of the cycle a date falls in, and who is on call then. */
import { daysBetween, type Rotation } from '../opsData';

export interface RotationWeekView {
  /** First and last day of the week, YYYY-MM-DD. */
  readonly start: string;
  readonly end: string;
  /** 1-based week of the cycle. */
  readonly cycleWeek: number;
  readonly primary: string;
  readonly backup: string;
  /** The swap that changed this week, if any, and which of the two it changed. */
  readonly swapReason: string | null;
  readonly primarySwapped: boolean;
  readonly backupSwapped: boolean;
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The rotation week containing `date` (YYYY-MM-DD); dates before the start count backwards through the cycle. */
export function weekOf(rotation: Rotation, date: string): RotationWeekView {
  const n = rotation.cycle.length;
  const week = Math.floor(daysBetween(rotation.start, date) / 7);
  const index = ((week % n) + n) % n;
  const start = addDays(rotation.start, week * 7);
  const base = rotation.cycle[index]!;
  const swap = rotation.swaps?.find((s) => s.week === start);
  return {
    start,
    end: addDays(start, 6),
    cycleWeek: index + 1,
    primary: swap?.primary ?? base.primary,
    backup: swap?.backup ?? base.backup,
    swapReason: swap?.reason ?? null,
    primarySwapped: swap?.primary !== undefined && swap.primary !== base.primary,
    backupSwapped: swap?.backup !== undefined && swap.backup !== base.backup,
  };
}

/** The week containing `date` and the `count - 1` weeks after it. */
export function weeksFrom(rotation: Rotation, date: string, count: number): RotationWeekView[] {
  const first = weekOf(rotation, date);
  return Array.from({ length: count }, (_, i) => weekOf(rotation, addDays(first.start, i * 7)));
}

/** Today's date in a time zone, YYYY-MM-DD (UTC when the zone is unknown to the runtime). */
export function dateIn(now: Date, timeZone = 'UTC'): string {
  try {
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    return `${get('year')}-${get('month')}-${get('day')}`;
  } catch {
    return now.toISOString().slice(0, 10);
  }
}
