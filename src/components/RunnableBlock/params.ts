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

/** `today`/`yesterday` as the server resolves them in the runbook's zone (GET /api/dates). */
export interface RelativeDates {
  readonly today: string;
  readonly yesterday: string;
}

/**
 * The form's initial text for a parameter. `today`/`yesterday` are the pipeline zone's dates as the server
 * answers them; until it has (and during SSR) they stay empty, and an empty value makes the server use the
 * default itself, so a run never binds the reader's own calendar day.
 */
export function defaultValue(param: ParamSpec, dates: RelativeDates | null): string {
  const kind = inputKind(param.type).kind;
  const raw = param.default;
  if (raw === null) return kind === 'enum' ? (inputKind(param.type) as { values: readonly string[] }).values[0] ?? '' : '';
  if (raw === 'today' || raw === 'yesterday') {
    if (!dates) return '';
    const day = raw === 'today' ? dates.today : dates.yesterday;
    return kind === 'datetime' ? `${day}T00:00` : day;
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
