/**
 * The kinds of value an Airflow command takes, each validated where it appears: the same checks run on
 * literal words at build time and on parameter values after substitution at run time.
 */

export type ValueKind = 'dag_id' | 'task_id' | 'run' | 'date' | 'json' | 'regex' | 'count' | 'map_index' | 'state' | 'key' | 'text';

/** Airflow's own rule for DAG, task and variable keys (KEY_REGEX) and its 250-character column limit. */
const KEY = /^[A-Za-z0-9_.-]{1,250}$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
export const DAG_RUN_STATES = ['queued', 'running', 'success', 'failed'] as const;
export type DagRunStateName = (typeof DAG_RUN_STATES)[number];

/** A date as Airflow's REST API wants it (RFC 3339), remembering whether only a day was written. */
export interface DateValue {
  readonly iso: string;
  readonly dateOnly: boolean;
}

export function parseDate(text: string): DateValue | null {
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCFullYear() !== Number(y) || day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  // A time without a zone is UTC: Airflow's default timezone, and the only reading that does not depend
  // on where the server runs.
  const tz = !zone || zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return { iso: `${y}-${mo}-${d}T${h}:${mi}:${s}${frac}${tz}`, dateOnly: m[4] === undefined };
}

/** The last instant of a date-only value's day, so `-e 2025-01-31` covers all of the 31st. */
export function endOfDay(value: DateValue): string {
  return value.dateOnly ? value.iso.replace('T00:00:00Z', 'T23:59:59.999999Z') : value.iso;
}

export type Checked = { readonly ok: true } | { readonly ok: false; readonly message: string };
const ok: Checked = { ok: true };

/** Checks one value of a kind; `what` names the place in the command for the message. */
export function checkValue(kind: ValueKind, value: string, what: string): Checked {
  switch (kind) {
    case 'dag_id':
    case 'task_id':
    case 'key':
      return KEY.test(value) ? ok : { ok: false, message: `${what} "${value}" is not a valid ${kind === 'key' ? 'variable key' : kind.replace('_', ' ')}: use letters, digits, _, . or - (at most 250).` };
    case 'run':
      return value.length > 0 && value.length <= 250 ? ok : { ok: false, message: `${what} must be a run id (e.g. manual__2025-01-31T00:00:00+00:00) or a logical date.` };
    case 'date':
      return parseDate(value) ? ok : { ok: false, message: `${what} "${value}" is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM].` };
    case 'json': {
      try {
        const parsed: unknown = JSON.parse(value);
        return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? ok : { ok: false, message: `${what} must be a JSON object, e.g. '{"business_date": "{{business_date}}"}'.` };
      } catch (error) {
        return { ok: false, message: `${what} is not valid JSON (${(error as Error).message}). Quote the whole object with '…', e.g. -c '{"key": "value"}'.` };
      }
    }
    case 'regex':
      try {
        new RegExp(value);
        return value.length > 0 ? ok : { ok: false, message: `${what} is empty; give a task id or a regular expression.` };
      } catch (error) {
        return { ok: false, message: `${what} "${value}" is not a regular expression that compiles: ${(error as Error).message}.` };
      }
    case 'count':
      return /^[1-9]\d{0,5}$/.test(value) ? ok : { ok: false, message: `${what} "${value}" must be a whole number from 1 to 999999.` };
    case 'map_index':
      // -1 is Airflow's "not mapped", as the CLI's --map-index default.
      return /^(-1|0|[1-9]\d{0,5})$/.test(value) ? ok : { ok: false, message: `${what} "${value}" must be a map index: 0, 1, 2, … (or -1 for a task that is not mapped).` };
    case 'state':
      return (DAG_RUN_STATES as readonly string[]).includes(value) ? ok : { ok: false, message: `${what} "${value}" is not a DAG run state; use one of ${DAG_RUN_STATES.join(', ')}.` };
    case 'text':
      return value.length <= 65_536 ? ok : { ok: false, message: `${what} is longer than 64 KiB.` };
  }
}

/** Parameter types that can fill a whole word of each kind (the run time check still applies). */
export const PARAM_TYPES_FOR: Readonly<Record<ValueKind, readonly string[] | 'any'>> = {
  dag_id: ['identifier', 'enum', 'string'],
  task_id: ['identifier', 'enum', 'string'],
  key: ['identifier', 'enum', 'string'],
  run: 'any',
  date: ['date', 'datetime', 'string'],
  json: [], // JSON is always literal; parameters go inside its strings
  regex: 'any',
  count: ['int'],
  map_index: ['int'],
  state: ['enum', 'string'],
  text: 'any',
};
