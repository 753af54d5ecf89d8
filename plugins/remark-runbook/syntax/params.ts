/**
 * Parameter declarations (`params="business_date:date=today limit:int=100 layer:enum(ldz|rdv)"`) and
 * the coercion of submitted values. The build validates defaults with the same code the server uses to
 * validate what a page sends, so a default that builds is a default that runs.
 */
import { DEFAULT_TIMEZONE, relativeDateIn } from './zonedDate';
import type { ParamSpec, ParamType } from '../types';

export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DECLARATION = /^([A-Za-z_][A-Za-z0-9_]*):([a-z]+(?:\([^)]*\))?)(?:=(.*))?$/;
const SIMPLE_TYPES = ['date', 'datetime', 'int', 'number', 'string', 'identifier'] as const;

export function parseParamType(type: string): ParamType | { readonly error: string } {
  if ((SIMPLE_TYPES as readonly string[]).includes(type)) return { kind: type as (typeof SIMPLE_TYPES)[number] };
  const enumMatch = /^enum\((.*)\)$/.exec(type);
  if (enumMatch) {
    const values = enumMatch[1]!.split('|').map((v) => v.trim());
    if (values.length === 0 || values.some((v) => v === '' || !/^[\w.-]+$/.test(v))) {
      return { error: `enum(${enumMatch[1]}) needs one or more plain values separated by |, e.g. enum(ldz|rdv|c360).` };
    }
    return { kind: 'enum', values };
  }
  return {
    error: `Unknown parameter type "${type}". Use one of date, datetime, int, number, string, identifier or enum(a|b|c).`,
  };
}

/** Parses the whole `params` attribute; errors name the declaration that is wrong. */
export function parseParamDeclarations(text: string): { params: ParamSpec[]; errors: string[] } {
  const params: ParamSpec[] = [];
  const errors: string[] = [];
  for (const decl of text.split(/\s+/).filter(Boolean)) {
    const m = DECLARATION.exec(decl);
    if (!m) {
      errors.push(`Parameter "${decl}" is not a declaration. Write name:type or name:type=default, e.g. business_date:date=today.`);
      continue;
    }
    const [, name, type, def] = m as unknown as [string, string, string, string | undefined];
    if (params.some((p) => p.name === name)) {
      errors.push(`Parameter "${name}" is declared twice; keep one declaration.`);
      continue;
    }
    const parsed = parseParamType(type);
    if ('error' in parsed) {
      errors.push(`Parameter "${name}": ${parsed.error}`);
      continue;
    }
    if (def !== undefined) {
      const checked = coerceParamValue(parsed, def, new Date());
      if (!checked.ok) {
        errors.push(`Parameter "${name}" has a bad default "${def}": ${checked.message}`);
        continue;
      }
    }
    params.push({ name, type, default: def ?? null });
  }
  return { params, errors };
}

/** A value ready for a driver to bind: the type tells the connector which native type to use. */
export type BoundValue =
  | { readonly type: 'date'; readonly value: string }
  | { readonly type: 'datetime'; readonly value: string }
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'string'; readonly value: string };

export type Coerced = { readonly ok: true; readonly bound: BoundValue } | { readonly ok: false; readonly message: string };

function validCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** Resolves `today` / `yesterday` against `now` on the calendar of `timeZone` (the runbook's pipeline zone). */
export function resolveRelativeDate(text: string, now: Date, timeZone: string = DEFAULT_TIMEZONE): string | null {
  return relativeDateIn(text, now, timeZone);
}

export function coerceParamValue(type: ParamType, raw: string | number | boolean, now: Date, timeZone: string = DEFAULT_TIMEZONE): Coerced {
  const text = typeof raw === 'string' ? raw.trim() : String(raw);
  switch (type.kind) {
    case 'date': {
      const value = resolveRelativeDate(text, now, timeZone) ?? text;
      return validCalendarDate(value)
        ? { ok: true, bound: { type: 'date', value } }
        : { ok: false, message: 'expected a date as YYYY-MM-DD, "today" or "yesterday".' };
    }
    case 'datetime': {
      const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
      if (!m || !validCalendarDate(m[1]!) || Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4] ?? 0) > 59) {
        return { ok: false, message: 'expected a date and time as YYYY-MM-DDTHH:MM[:SS].' };
      }
      return { ok: true, bound: { type: 'datetime', value: `${m[1]} ${m[2]}:${m[3]}:${m[4] ?? '00'}` } };
    }
    case 'int': {
      if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
        return { ok: false, message: 'expected a whole number.' };
      }
      return { ok: true, bound: { type: 'int', value: Number(text) } };
    }
    case 'number': {
      if (!/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text) || !Number.isFinite(Number(text))) {
        return { ok: false, message: 'expected a number.' };
      }
      return { ok: true, bound: { type: 'number', value: Number(text) } };
    }
    case 'string':
      return text.length > 4096
        ? { ok: false, message: 'text longer than 4096 characters.' }
        : { ok: true, bound: { type: 'string', value: typeof raw === 'string' ? raw : text } };
    case 'identifier':
      return /^[A-Za-z_][A-Za-z0-9_$]{0,127}(\.[A-Za-z_][A-Za-z0-9_$]{0,127}){0,2}$/.test(text)
        ? { ok: true, bound: { type: 'string', value: text } }
        : { ok: false, message: 'expected an identifier such as schema.table (letters, digits, _ and $).' };
    case 'enum':
      return type.values.includes(text)
        ? { ok: true, bound: { type: 'string', value: text } }
        : { ok: false, message: `expected one of ${type.values.join(', ')}.` };
  }
}
