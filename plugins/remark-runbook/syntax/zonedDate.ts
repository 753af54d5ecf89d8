/**
 * Calendar dates in a pipeline's time zone. A runbook's `today` is the day its batch runs in
 * (`runbook.timezone`, e.g. Asia/Bangkok for the 01:00 ICT ecommerce batch), never the reader's or the
 * server's local day. Uses Intl only, so the browser bundle may import it too.
 */
export const DEFAULT_TIMEZONE = 'UTC';

/** True for an IANA zone name this runtime knows (e.g. `Asia/Bangkok`, `UTC`). */
export function isKnownTimeZone(name: string): boolean {
  if (!/^[A-Za-z_+\-/0-9]+$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** `now` as YYYY-MM-DD on the wall calendar of `timeZone`. */
export function calendarDateIn(now: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** A YYYY-MM-DD date moved by whole days (calendar arithmetic, no zone involved). */
export function addDays(isoDate: string, days: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** `today` / `yesterday` as dates in `timeZone`; null for anything else. */
export function relativeDateIn(text: string, now: Date, timeZone: string): string | null {
  if (text === 'today') return calendarDateIn(now, timeZone);
  if (text === 'yesterday') return addDays(calendarDateIn(now, timeZone), -1);
  return null;
}
