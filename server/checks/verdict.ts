/**
 * A check's verdict from its three conditions: `expect` says what healthy looks like (its miss is an
 * error, or only a warning before its deadline), `error` and `warn` say what trouble looks like. Error
 * wins over warn. A condition that cannot be decided — no baseline history yet — raises nothing and says so.
 */
import { evaluateExpect, parseExpect } from '../../plugins/remark-runbook/syntax/expect';
import { historyWindows, isConditionError, parseCondition, type Deadline, type ParsedCondition } from '../../plugins/remark-runbook/syntax/condition';
import { addDays, calendarDateIn } from '../../plugins/remark-runbook/syntax/zonedDate';
import { ConditionEvaluator, numericCell, type EvalContext, type Truth } from './evaluate';
import type { Verdict } from './types';

export interface CheckSpec {
  readonly expect: string | null;
  readonly warn?: string | null;
  readonly error?: string | null;
}

export interface CheckOutcome {
  readonly verdict: Verdict;
  /** The measured number the history records (value, rows or age in seconds). */
  readonly value: number | null;
  /** The value as an operator reads it, where its unit is not plain (an age: "35.8h"); null otherwise. */
  readonly valueText?: string | null;
  /** The condition that decided (for ok: the one it was held to). */
  readonly threshold: string | null;
  readonly detail: string;
}

export const hasCheck = (s: CheckSpec): boolean => Boolean(s.expect || s.warn || s.error);

/** An expect in the original form (`rows > 0`, `value = 0`, `affected > 0`), evaluated as it always was. */
const legacy = (text: string) => {
  const p = parseExpect(text);
  return 'error' in p ? null : p;
};

function parsed(text: string, allowDeadline: boolean): ParsedCondition {
  const p = parseCondition(text, allowDeadline);
  // The manifest is linted at build; a condition that does not parse here is a manifest written by hand.
  if (isConditionError(p)) throw new Error(`The check condition "${text}" does not parse: ${p.error}`);
  return p;
}

/** True when any condition reads the check's history, so the runner fetches it only then. */
export function readsHistory(s: CheckSpec): boolean {
  return [s.expect && !legacy(s.expect) ? parsed(s.expect, true) : null, s.warn ? parsed(s.warn, false) : null, s.error ? parsed(s.error, false) : null].some(
    (p) => p !== null && historyWindows(p.condition).length > 0,
  );
}

/** The instant a deadline falls on for a business date (or, without one, the day the check runs). */
export function deadlineInstant(d: Deadline, businessDate: string | null, now: Date): Date {
  const day = addDays(businessDate ?? calendarDateIn(now, d.zone), businessDate ? d.dayOffset : 0);
  const wall = Date.parse(`${day}T${String(d.hour).padStart(2, '0')}:${String(d.minute).padStart(2, '0')}:00Z`);
  // The zone's offset at that wall time, found by formatting the UTC guess in the zone (twice, for DST edges).
  let instant = wall;
  for (let i = 0; i < 2; i++) instant = wall - offsetMs(new Date(instant), d.zone);
  return new Date(instant);
}

function offsetMs(at: Date, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(at.getTime() / 1000) * 1000;
}

export function judgeCheck(spec: CheckSpec, ctx: EvalContext & { readonly rowsAffected?: number | null }): CheckOutcome {
  const notes: string[] = [];
  // What the history records: the figure the warn / error rule watches (a day's profit, DAU), else what
  // expect measured (a row count, a value).
  let measured: number | null = null;
  let expectMeasured: number | null = null;
  let measuredText: string | null = null;
  let expectMeasuredText: string | null = null;
  const run = (p: ParsedCondition, forExpect = false): Truth => {
    const ev = new ConditionEvaluator(ctx);
    const t = ev.condition(p.condition);
    if (forExpect) {
      if (expectMeasured === null) [expectMeasured, expectMeasuredText] = [ev.measured, ev.measuredText];
    } else if (measured === null) [measured, measuredText] = [ev.measured, ev.measuredText];
    notes.push(...ev.facts.filter((f) => !notes.includes(f)));
    return t;
  };
  const facts = () => (notes.length ? ` (${notes.join(', ')})` : '');

  // expect: healthy when it holds.
  let expectMiss: { late: boolean; text: string; why: string } | null = null;
  if (spec.expect) {
    const old = legacy(spec.expect);
    if (old) {
      const first = ctx.observation.firstRow?.[0];
      const r = evaluateExpect(old, ctx.observation.rowCount, first, ctx.rowsAffected ?? null);
      expectMeasured = old.subject === 'rows' ? ctx.observation.rowCount : old.subject === 'affected' ? (ctx.rowsAffected ?? null) : numericCell(first);
      // An expect alone keeps the wording it always had (drills and the snippet test read it).
      if (!spec.warn && !spec.error) return { verdict: r.passed ? 'ok' : 'error', value: expectMeasured, threshold: spec.expect, detail: r.detail };
      notes.push(r.detail.split(';')[0]!);
      if (!r.passed) expectMiss = { late: true, text: spec.expect, why: `expected ${spec.expect}` };
    } else {
      const p = parsed(spec.expect, true);
      const t = run(p, true);
      // Missing data fails an expectation (nothing to show it is healthy); missing history does not.
      const holds = t === true || (typeof t === 'object' && t.unknown === 'no-history');
      if (!holds) {
        const late = !p.deadline || ctx.now >= deadlineInstant(p.deadline, ctx.businessDate, ctx.now);
        const due = p.deadline ? deadlineInstant(p.deadline, ctx.businessDate, ctx.now).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '';
        expectMiss = { late, text: spec.expect, why: late ? `expected ${spec.expect}${p.deadline ? ` — missed, due ${due}` : ''}` : `not yet ${p.condition.kind === 'compare' ? 'true' : 'met'}; due ${due}` };
      }
    }
  }
  const trouble = (text: string | null | undefined): boolean => {
    if (!text) return false;
    return run(parsed(text, false)) === true;
  };
  const errorMet = trouble(spec.error);
  const warnMet = !errorMet && trouble(spec.warn);

  let verdict: Verdict = 'ok';
  // For ok: the strictest rule it was held to.
  let threshold: string | null = spec.error ?? spec.warn ?? spec.expect ?? null;
  let why = 'within its thresholds';
  if (expectMiss?.late) [verdict, threshold, why] = ['error', expectMiss.text, expectMiss.why];
  else if (errorMet) [verdict, threshold, why] = ['error', spec.error!, `error: ${spec.error}`];
  else if (expectMiss) [verdict, threshold, why] = ['warn', expectMiss.text, expectMiss.why];
  else if (warnMet) [verdict, threshold, why] = ['warn', spec.warn!, `warning: ${spec.warn}`];
  return { verdict, value: measured ?? expectMeasured, valueText: measured !== null ? measuredText : expectMeasuredText, threshold, detail: `${verdict === 'ok' ? 'OK' : verdict === 'warn' ? 'Warning' : 'Error'} — ${why}${facts()}` };
}
