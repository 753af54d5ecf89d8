/**
 * Who is on call now and in the coming weeks. "Now" exists only in the browser: during SSR and the first
 * client render `today` is null (so both render the same placeholder), then the effect sets it, and it is
 * re-read every minute so a page left open rolls over to the next week.
 */
import { useEffect, useState } from 'react';
import type { Rotation } from '../opsData';
import { useOpsData } from '../useOpsData';
import { dateIn, weeksFrom, type RotationWeekView } from './rotation';

export type RotationView =
  | { readonly kind: 'not-loaded' }
  | { readonly kind: 'unknown'; readonly id: string; readonly known: readonly string[] }
  | { readonly kind: 'pending'; readonly rotation: Rotation }
  | { readonly kind: 'ready'; readonly rotation: Rotation; readonly today: string; readonly weeks: readonly RotationWeekView[] };

export function useRotation(id: string, weeks: number): RotationView {
  const { oncall } = useOpsData();
  const rotation = oncall?.[id];
  const timeZone = rotation?.timezone ?? 'UTC';
  const [today, setToday] = useState<string | null>(null);
  useEffect(() => {
    const update = () => setToday(dateIn(new Date(), timeZone));
    update();
    const timer = setInterval(update, 60_000);
    return () => clearInterval(timer);
  }, [timeZone]);
  if (!oncall) return { kind: 'not-loaded' };
  if (!rotation) return { kind: 'unknown', id, known: Object.keys(oncall) };
  if (today === null) return { kind: 'pending', rotation };
  return { kind: 'ready', rotation, today, weeks: weeksFrom(rotation, today, Math.max(1, weeks)) };
}
