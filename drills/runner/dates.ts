/**
 * A drill's parameters may name a date relative to the demo's today: `today-2` is the day before yesterday.
 * The server knows `today` and `yesterday` only (the runbooks' defaults); a night further back, such as the
 * logical date of yesterday's run, is resolved here, in the environment's time zone, before the block runs.
 */
import { addDays, calendarDateIn } from '../../plugins/remark-runbook/syntax/zonedDate';

type Params = Readonly<Record<string, string | number | boolean>>;
const RELATIVE = /^today-(\d{1,3})$/;

export function resolveRelativeDates(params: Params, now: Date, timeZone: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(params)) {
    const m = typeof v === 'string' ? RELATIVE.exec(v) : null;
    out[k] = m ? addDays(calendarDateIn(now, timeZone), -Number(m[1])) : v;
  }
  return out;
}
