/**
 * The check condition language (issue 11): what `expect`, `warn` and `error` say, written the way an
 * operator states the monitoring rule.
 *
 *   expect="rows > 0 by 08:30 UTC"                      healthy when true; before the deadline a miss only warns
 *   error="deviation(value, avg_7d) > 20%"              the check's own columns (a baseline the SQL computes)
 *   warn="deviation(avg(7 days)) > 25%"                 the check's recorded history (one result per business day)
 *   error="zscore(30 days, min 10) > 3"                 z-score of the value against that history, once 10 days exist
 *   expect="age(refreshed_at) < 2h"                     freshness of a timestamp column of the first row
 *   expect="status = 'Success'"                         a text column of the first row, compared as text (= or !=)
 *   expect="count(status = 'Error') = 0"                result rows meeting a condition, each row judged on its own
 *                                                       (system and Airflow blocks: their grid is the table; SQL
 *                                                       counts in its query instead)
 *
 * Parsed at build time (the linter reports the column of a mistake), evaluated by the server
 * (server/checks/evaluate.ts). Pure: the browser bundle may import it.
 */
import { isKnownTimeZone } from './zonedDate';

export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=';
export type WindowUnit = 'runs' | 'days';

/** A span of the check's history: the last `size` runs, or the `size` business days before this one. */
export interface HistoryWindow {
  readonly size: number;
  readonly unit: WindowUnit;
}

export type Expr =
  | { readonly kind: 'number'; readonly value: number; readonly unit: 'plain' | 'percent' | 'duration' }
  | { readonly kind: 'value' }
  | { readonly kind: 'rows' }
  | { readonly kind: 'column'; readonly name: string }
  /** A quoted text, compared with a column as text: status = 'Success' (case-insensitive). */
  | { readonly kind: 'text'; readonly value: string }
  /** The result rows for which `where` holds, each row judged with its own columns; `text` as written, for the detail. */
  | { readonly kind: 'count'; readonly where: Condition; readonly text: string }
  | { readonly kind: 'age'; readonly column: string }
  | { readonly kind: 'previous' }
  | { readonly kind: 'aggregate'; readonly fn: 'avg' | 'min' | 'max'; readonly window: HistoryWindow }
  | { readonly kind: 'zscore'; readonly window: HistoryWindow; readonly min: number }
  /** (of − from) / |from|; `absolute` for deviation(). */
  | { readonly kind: 'change'; readonly of: Expr; readonly from: Expr; readonly absolute: boolean }
  | { readonly kind: 'abs'; readonly of: Expr }
  | { readonly kind: 'negate'; readonly of: Expr }
  | { readonly kind: 'binary'; readonly op: '+' | '-' | '*' | '/'; readonly left: Expr; readonly right: Expr };

export type Condition =
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'and' | 'or'; readonly parts: readonly Condition[] };

/**
 * "by 08:30 UTC": the time of day, in a zone, by which the check must hold. A day's data is complete only
 * once the day is over, so the deadline falls on the day after the business date ("by 08:30 UTC" for the
 * report date 2026-11-30 is 2026-12-01 08:30 UTC); "by 06:00 UTC same day" is on the business date itself.
 */
export interface Deadline {
  readonly hour: number;
  readonly minute: number;
  readonly zone: string;
  /** Days after the business date: 1 (default) or 0 (`same day`). */
  readonly dayOffset: 0 | 1;
}

export interface ParsedCondition {
  readonly text: string;
  readonly condition: Condition;
  readonly deadline: Deadline | null;
}

export interface ConditionError {
  /** 0-based offset of the mistake in the condition text. */
  readonly offset: number;
  readonly error: string;
}

/** Default minimum history for a z-score: fewer points make a standard deviation meaningless. */
export const DEFAULT_ZSCORE_MIN = 5;
const MAX_WINDOW = 400;

interface Token {
  readonly text: string;
  readonly kind: 'number' | 'word' | 'op' | 'punct' | 'time' | 'text';
  readonly offset: number;
}

const TOKEN = /\s*(?:(\d{1,2}:\d{2})(?![\d.])|(\d+(?:\.\d+)?(?:%|ms|s|m|h|d)?)(?![A-Za-z_])|([A-Za-z_][A-Za-z0-9_/]*)|(!=|>=|<=|=|>|<)|([()+\-*/,])|'([^']*)')/y;

function tokenize(text: string): Token[] | ConditionError {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(text);
    if (!m) return { offset: i, error: text[i] === "'" ? "The quoted text is not closed: write it as 'Success'." : `"${text.slice(i, i + 10)}" is not part of a condition.` };
    const offset = m.index + m[0].length - m[0].trimStart().length;
    const kind = m[1] ? 'time' : m[2] ? 'number' : m[3] ? 'word' : m[4] ? 'op' : m[6] !== undefined ? 'text' : 'punct';
    tokens.push({ text: m[0].trim(), kind, offset });
    i = TOKEN.lastIndex;
  }
  return tokens;
}

class Fail extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const HOW = 'Write a comparison such as "value > 0", "rows = 0", "deviation(value, avg_7d) > 20%", "value < 0.8 * avg(7 days)" or "age(loaded_at) < 2h".';
const DURATION_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

function parseNumber(text: string): Expr {
  const m = /^(\d+(?:\.\d+)?)(%|ms|s|m|h|d)?$/.exec(text)!;
  const n = Number(m[1]);
  if (!m[2]) return { kind: 'number', value: n, unit: 'plain' };
  if (m[2] === '%') return { kind: 'number', value: n / 100, unit: 'percent' };
  return { kind: 'number', value: n * DURATION_SECONDS[m[2]]!, unit: 'duration' };
}

/** Parses one condition; `allowDeadline` only for `expect` (a deadline says when "not yet" becomes late). */
export function parseCondition(text: string, allowDeadline: boolean): ParsedCondition | ConditionError {
  const lexed = tokenize(text);
  if (!Array.isArray(lexed)) return lexed;
  if (lexed.length === 0) return { offset: 0, error: `The condition is empty. ${HOW}` };
  let tokens = lexed;
  let deadline: Deadline | null = null;
  const byAt = tokens.findIndex((t) => t.kind === 'word' && t.text.toLowerCase() === 'by');
  if (byAt >= 0) {
    const by = tokens[byAt]!;
    if (!allowDeadline) return { offset: by.offset, error: 'A deadline ("by 08:00 UTC") belongs on expect: it says by when the healthy state must hold. Move it to expect, or drop it.' };
    const [time, zone, ...rest] = tokens.slice(byAt + 1);
    const day = rest.map((t) => t.text.toLowerCase()).join(' ');
    if (!time || time.kind !== 'time' || !zone || zone.kind !== 'word' || !['', 'same day', 'next day'].includes(day)) {
      return { offset: by.offset, error: 'Write the deadline as "by HH:MM ZONE" (the morning after the business date) or "by HH:MM ZONE same day" at the end of the condition, e.g. expect="rows > 0 by 08:00 UTC".' };
    }
    const [hour, minute] = time.text.split(':').map(Number) as [number, number];
    if (hour > 23 || minute > 59) return { offset: time.offset, error: `"${time.text}" is not a time of day; write HH:MM between 00:00 and 23:59.` };
    if (!isKnownTimeZone(zone.text)) return { offset: zone.offset, error: `"${zone.text}" is not a known time zone; write UTC or an IANA name such as Europe/London.` };
    deadline = { hour, minute, zone: zone.text, dayOffset: day === 'same day' ? 0 : 1 };
    tokens = tokens.slice(0, byAt);
  }
  let pos = 0;
  const peek = () => tokens[pos];
  const endOffset = () => (pos < tokens.length ? tokens[pos]!.offset : text.length);
  const expectPunct = (p: string, what: string) => {
    const t = peek();
    if (!t || t.text !== p) throw new Fail(endOffset(), `Expected "${p}" ${what}.`);
    pos++;
  };
  const integer = (what: string): number => {
    const t = peek();
    if (!t || t.kind !== 'number' || !/^\d+$/.test(t.text)) throw new Fail(endOffset(), `Expected a whole number ${what}.`);
    pos++;
    return Number(t.text);
  };
  const window = (fn: string): HistoryWindow => {
    const at = endOffset();
    const size = integer(`of runs or days in ${fn}(…), e.g. ${fn}(7 days) or ${fn}(14 runs)`);
    const unit = peek();
    if (!unit || unit.kind !== 'word' || !/^(runs?|days?)$/.test(unit.text)) throw new Fail(endOffset(), `Say whether ${fn}(${size} …) counts runs or days, e.g. ${fn}(${size} days).`);
    pos++;
    if (size < 1 || size > MAX_WINDOW) throw new Fail(at, `${fn}(…) looks back 1 to ${MAX_WINDOW} runs or days; ${size} is outside that.`);
    return { size, unit: unit.text.startsWith('run') ? 'runs' : 'days' };
  };

  const primary = (): Expr => {
    const t = peek();
    if (!t) throw new Fail(text.length, `The condition ends where a number or a measure was expected. ${HOW}`);
    if (t.kind === 'number') {
      pos++;
      return parseNumber(t.text);
    }
    if (t.kind === 'text') {
      pos++;
      return { kind: 'text', value: t.text.slice(1, -1) };
    }
    if (t.text === '(') {
      pos++;
      const e = sum();
      expectPunct(')', 'to close the parenthesis');
      return e;
    }
    if (t.text === '-') {
      pos++;
      return { kind: 'negate', of: primary() };
    }
    if (t.kind !== 'word') throw new Fail(t.offset, `"${t.text}" cannot start a value. ${HOW}`);
    pos++;
    const name = t.text;
    const lower = name.toLowerCase();
    const call = peek()?.text === '(';
    if (!call) {
      if (lower === 'value' || lower === 'rows' || lower === 'previous') return { kind: lower };
      if (['avg', 'min', 'max', 'zscore', 'change', 'deviation', 'age', 'abs', 'count'].includes(lower)) throw new Fail(t.offset, `${lower} needs parentheses, e.g. ${lower === 'age' ? 'age(loaded_at)' : lower === 'change' || lower === 'deviation' ? `${lower}(avg(7 days))` : lower === 'abs' ? 'abs(value)' : lower === 'count' ? "count(status = 'Error')" : `${lower}(7 days)`}.`);
      if (['and', 'or', 'by', 'not'].includes(lower)) throw new Fail(t.offset, `"${name}" cannot stand where a value is expected. ${HOW}`);
      return { kind: 'column', name };
    }
    pos++;
    let e: Expr;
    if (lower === 'avg' || lower === 'min' || lower === 'max') e = { kind: 'aggregate', fn: lower, window: window(lower) };
    else if (lower === 'zscore') {
      const w = window('zscore');
      let min = DEFAULT_ZSCORE_MIN;
      if (peek()?.text === ',') {
        pos++;
        const kw = peek();
        if (!kw || kw.text.toLowerCase() !== 'min') throw new Fail(endOffset(), 'After the window, zscore takes "min N": the history it needs first, e.g. zscore(30 days, min 10).');
        pos++;
        min = integer('after "min", e.g. zscore(30 days, min 10)');
        if (min < 2) throw new Fail(kw.offset, 'A z-score needs at least 2 past values (min 2).');
      }
      e = { kind: 'zscore', window: w, min };
    } else if (lower === 'change' || lower === 'deviation') {
      const first = sum();
      let of: Expr = { kind: 'value' };
      let from = first;
      if (peek()?.text === ',') {
        pos++;
        of = first;
        from = sum();
      }
      e = { kind: 'change', of, from, absolute: lower === 'deviation' };
    } else if (lower === 'abs') e = { kind: 'abs', of: sum() };
    else if (lower === 'count') {
      const from = endOffset();
      const where = condition();
      e = { kind: 'count', where, text: text.slice(from, endOffset()).trim() };
    }
    else if (lower === 'age') {
      const col = peek();
      if (!col || col.kind !== 'word') throw new Fail(endOffset(), 'age(…) takes the name of a timestamp column of the result, e.g. age(loaded_at).');
      pos++;
      e = { kind: 'age', column: col.text };
    } else throw new Fail(t.offset, `Unknown function "${name}". Use avg, min, max, zscore, change, deviation, abs, age or count.`);
    expectPunct(')', `to close ${lower}(…)`);
    return e;
  };
  const product = (): Expr => {
    let left = primary();
    while (peek()?.text === '*' || peek()?.text === '/') {
      const op = tokens[pos++]!.text as '*' | '/';
      left = { kind: 'binary', op, left, right: primary() };
    }
    return left;
  };
  function sum(): Expr {
    let left = product();
    while (peek()?.text === '+' || peek()?.text === '-') {
      const op = tokens[pos++]!.text as '+' | '-';
      left = { kind: 'binary', op, left, right: product() };
    }
    return left;
  }
  const compare = (): Condition => {
    const leftAt = endOffset();
    const left = sum();
    const op = peek();
    if (!op || op.kind !== 'op') throw new Fail(endOffset(), `Expected a comparison (= != > >= < <=) here. ${HOW}`);
    pos++;
    const rightAt = endOffset();
    const right = sum();
    // Text compares with a column, for (in)equality only: no arithmetic or ordering on words.
    for (const [side, other, at] of [[left, right, leftAt], [right, left, rightAt]] as const) {
      if (side.kind !== 'text' && hasText(side)) throw new Fail(at, "A quoted text stands alone: compare a column with it, e.g. status = 'Success'.");
      if (side.kind !== 'text') continue;
      if (other.kind !== 'column') throw new Fail(at, `'${side.value}' is text: compare it with a column of the result, e.g. status = '${side.value}'.`);
      if (op.text !== '=' && op.text !== '!=') throw new Fail(op.offset, `Text compares with = or != only (status != '${side.value}'), not ${op.text}.`);
    }
    const l = unitOf(left);
    const r = unitOf(right);
    if ((l === 'duration') !== (r === 'duration') && !isZero(left) && !isZero(right)) {
      throw new Fail(op.offset, 'An age is a duration: compare it with one, e.g. age(loaded_at) < 2h (units ms, s, m, h, d).');
    }
    return { kind: 'compare', op: op.text as CompareOp, left, right };
  };
  function condition(): Condition {
    return junction('or', () => junction('and', compare));
  }
  const junction = (word: 'and' | 'or', next: () => Condition): Condition => {
    const parts = [next()];
    while (peek()?.kind === 'word' && peek()!.text.toLowerCase() === word) {
      pos++;
      parts.push(next());
    }
    return parts.length === 1 ? parts[0]! : { kind: word, parts };
  };
  try {
    const parsedCondition = condition();
    if (pos < tokens.length) throw new Fail(tokens[pos]!.offset, `Unexpected "${tokens[pos]!.text}". Join comparisons with "and" / "or"; a deadline goes last ("by 08:00 UTC").`);
    return { text, condition: parsedCondition, deadline };
  } catch (e) {
    if (e instanceof Fail) return { offset: e.offset, error: e.message };
    throw e;
  }
}

function unitOf(e: Expr): 'duration' | 'other' {
  if (e.kind === 'age' || (e.kind === 'number' && e.unit === 'duration')) return 'duration';
  if (e.kind === 'binary') return unitOf(e.left) === 'duration' || unitOf(e.right) === 'duration' ? 'duration' : 'other';
  if (e.kind === 'negate' || e.kind === 'abs') return unitOf(e.of);
  return 'other';
}

const isZero = (e: Expr) => e.kind === 'number' && e.value === 0;

/** Whether a quoted text sits inside an expression (where it cannot be a number). */
function hasText(e: Expr): boolean {
  if (e.kind === 'text') return true;
  if (e.kind === 'binary') return hasText(e.left) || hasText(e.right);
  if (e.kind === 'negate' || e.kind === 'abs') return hasText(e.of);
  if (e.kind === 'change') return hasText(e.of) || hasText(e.from);
  return false;
}

/** Whether a condition counts result rows (count(…)): it needs the whole result, not only its first row. */
export function countsRows(c: Condition): boolean {
  const visit = (e: Expr): boolean =>
    e.kind === 'count' ? true : e.kind === 'binary' ? visit(e.left) || visit(e.right) : e.kind === 'negate' || e.kind === 'abs' ? visit(e.of) : e.kind === 'change' ? visit(e.of) || visit(e.from) : false;
  return c.kind === 'compare' ? visit(c.left) || visit(c.right) : c.parts.some(countsRows);
}

export const isConditionError = (r: ParsedCondition | ConditionError): r is ConditionError => 'error' in r;

/** Every history window a condition reads, so the server fetches the history once. */
export function historyWindows(c: Condition): HistoryWindow[] {
  const out: HistoryWindow[] = [];
  const visit = (e: Expr): void => {
    if (e.kind === 'aggregate' || e.kind === 'zscore') out.push(e.window);
    else if (e.kind === 'previous') out.push({ size: 1, unit: 'runs' });
    else if (e.kind === 'change') (visit(e.of), visit(e.from));
    else if (e.kind === 'abs' || e.kind === 'negate') visit(e.of);
    else if (e.kind === 'binary') (visit(e.left), visit(e.right));
    else if (e.kind === 'count') walk(e.where);
  };
  function walk(x: Condition): void {
    if (x.kind === 'compare') (visit(x.left), visit(x.right));
    else x.parts.forEach(walk);
  }
  walk(c);
  return out;
}
