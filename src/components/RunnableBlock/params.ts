/** Parameter types and defaults as the form sees them (DESIGN.md §3 `params="name:type=default"`). */
import type { ParamSpec } from '@site/plugins/remark-runbook/types';

export type InputKind =
  | { readonly kind: 'date' | 'datetime' | 'int' | 'number' | 'string' | 'identifier' }
  | { readonly kind: 'enum'; readonly values: readonly string[] };

export function inputKind(type: string): InputKind {
  const t = type.trim();
  const enumMatch = /^enum\((.*)\)$/.exec(t);
  if (enumMatch) return { kind: 'enum', values: (enumMatch[1] ?? '').split('|').map((v) => v.trim()).filter(Boolean) };
  if (t === 'date' || t === 'datetime' || t === 'int' || t === 'number' || t === 'identifier') return { kind: t };
  return { kind: 'string' };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function localDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * The form's initial text for a parameter. `today`/`yesterday` are local dates, so they are only
 * resolved in the browser (`now` null during SSR and hydration leaves them empty, avoiding a mismatch).
 */
export function defaultValue(param: ParamSpec, now: Date | null): string {
  const kind = inputKind(param.type).kind;
  const raw = param.default;
  if (raw === null) return kind === 'enum' ? (inputKind(param.type) as { values: readonly string[] }).values[0] ?? '' : '';
  if (raw === 'today' || raw === 'yesterday') {
    if (!now) return '';
    const d = new Date(now);
    if (raw === 'yesterday') d.setDate(d.getDate() - 1);
    return kind === 'datetime' ? `${localDate(d)}T00:00` : localDate(d);
  }
  // datetime-local wants `YYYY-MM-DDTHH:mm[:ss]`; authors may write a space.
  if (kind === 'datetime') return raw.replace(' ', 'T');
  return raw;
}

/** The value sent to the server: the form's text, with seconds added to a datetime. */
export function wireValue(param: ParamSpec, text: string): string {
  if (inputKind(param.type).kind === 'datetime' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(text)) return `${text}:00`;
  return text;
}
