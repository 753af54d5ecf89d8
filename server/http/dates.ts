/**
 * GET /api/dates?tz=Asia/Bangkok — what `today` and `yesterday` are in a pipeline's zone right now, by the
 * server's clock (the one bindParams uses when the block runs). The page shows these as a block's default
 * dates, so a reader in another zone sees the data day the run will use, not their own.
 */
import type { Request, Response } from 'express';
import { addDays, calendarDateIn, DEFAULT_TIMEZONE, isKnownTimeZone } from '../../plugins/remark-runbook/syntax/zonedDate';
import type { ZoneDates } from '../protocol';
import { HttpError } from './errors';

export function zoneDates(timezone: string, now: Date): ZoneDates {
  const today = calendarDateIn(now, timezone);
  return { timezone, today, yesterday: addDays(today, -1), at: now.toISOString() };
}

export function datesHandler(now: () => Date) {
  return (req: Request, res: Response): void => {
    const tz = typeof req.query.tz === 'string' && req.query.tz !== '' ? req.query.tz : DEFAULT_TIMEZONE;
    if (tz.length > 64 || !isKnownTimeZone(tz)) {
      throw new HttpError(400, 'bad_request', `tz: "${tz.slice(0, 64)}" is not a known IANA time zone; use a name like Asia/Bangkok or UTC.`);
    }
    // The answer changes at the zone's midnight: never let a cache serve yesterday's today.
    res.set('Cache-Control', 'no-store').json(zoneDates(tz, now()));
  };
}
