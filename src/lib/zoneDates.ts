/**
 * `today` and `yesterday` in a runbook's pipeline zone, from the server (GET /api/dates) — the same clock
 * and zone the server binds `today` with when the block runs. Never the browser's calendar: a reader on UTC
 * must see the Bangkok data day for a Bangkok batch. One request per zone, shared by every block, asked
 * again once the answer is older than a few minutes (a page left open over midnight).
 */
import { useEffect, useState } from 'react';
import type { ZoneDates } from '@site/server/protocol';
import { fetchJson, useServerBase } from './serverUrl';

const FRESH_MS = 5 * 60_000;
const cache = new Map<string, { readonly at: number; readonly answer: Promise<ZoneDates | null> }>();

export function loadZoneDates(base: string, timezone: string, nowMs: number = Date.now()): Promise<ZoneDates | null> {
  const key = `${base}|${timezone}`;
  const hit = cache.get(key);
  if (hit && nowMs - hit.at < FRESH_MS) return hit.answer;
  const answer = fetchJson<ZoneDates>(base, `/api/dates?tz=${encodeURIComponent(timezone)}`).then((d) => {
    // A failed answer is not kept: the next block (or the next render) asks again.
    if (!d) cache.delete(key);
    return d;
  });
  cache.set(key, { at: nowMs, answer });
  return answer;
}

/** Null until the server answered (and during SSR), so nothing is guessed from the reader's zone. */
export function useZoneDates(timezone: string): ZoneDates | null {
  const base = useServerBase();
  const [dates, setDates] = useState<ZoneDates | null>(null);
  useEffect(() => {
    let live = true;
    void loadZoneDates(base, timezone).then((d) => {
      if (live) setDates(d);
    });
    return () => {
      live = false;
    };
  }, [base, timezone]);
  return dates;
}

/** Forgets cached answers (tests). */
export function clearZoneDates(): void {
  cache.clear();
}
