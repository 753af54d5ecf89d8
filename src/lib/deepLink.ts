/**
 * Deep links into a runbook: `/canonical/daily-batch?env=prod&business_date=2026-11-30#snippet-ldz-rows`.
 * Alerts, tickets, chat messages and the Health page open a runbook ready to run: the environment chosen,
 * the parameters filled in, the block in view. This module parses, checks and writes such links; it holds
 * no React and no browser state (unit-tested in Node). The page only fills forms from a link — the server
 * still validates every value when the block runs.
 */
import { blockAnchor } from '@site/plugins/remark-runbook/anchor';
import type { ParamSpec } from '@site/plugins/remark-runbook/types';
import { inputKind } from '@site/src/components/RunnableBlock/params';

export interface DeepLink {
  /** The environment the link asks for, as written; null when it names none. */
  readonly env: string | null;
  /** Every other query value, by name (the first when a name repeats), in the order written. */
  readonly values: Readonly<Record<string, string>>;
  /** The fragment without `#`, decoded; null when there is none. */
  readonly anchor: string | null;
}

export const EMPTY_LINK: DeepLink = { env: null, values: {}, anchor: null };

/** Operations' own link words (issue 12): `?operation=ID`, `?start-operation=1&title=…&severity=…`. */
const OPERATION_WORDS = new Set(['operation', 'start-operation', 'title', 'severity']);

/** Query names that are not parameters: `_highlight` from the site search, `env` read on its own, operations' words. */
function reserved(name: string): boolean {
  return name === 'env' || name.startsWith('_') || OPERATION_WORDS.has(name);
}

export function parseDeepLink(search: string, hash: string): DeepLink {
  const query = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const values: Record<string, string> = {};
  for (const [name, value] of query) {
    if (reserved(name) || name === '' || Object.hasOwn(values, name)) continue;
    values[name] = value;
  }
  const env = query.get('env');
  let anchor: string | null = hash.startsWith('#') ? hash.slice(1) : hash;
  try {
    anchor = decodeURIComponent(anchor);
  } catch {
    /* a malformed escape: keep the fragment as written */
  }
  return { env: env && env.trim() !== '' ? env.trim() : null, values, anchor: anchor === '' ? null : anchor };
}

export type ValueCheck = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)*$/;

function realDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

/**
 * Whether a link's text is a value the form accepts for this parameter, and the text the form should hold
 * (a datetime written with a space gets its `T`). The reason is said to the operator when it is not.
 */
export function checkValue(param: ParamSpec, raw: string): ValueCheck {
  const text = raw.trim();
  const kind = inputKind(param.type);
  if (text === '') return { ok: false, reason: 'empty' };
  switch (kind.kind) {
    case 'date':
      return realDate(text) ? { ok: true, value: text } : { ok: false, reason: 'not a date (YYYY-MM-DD)' };
    case 'datetime': {
      const m = DATETIME.exec(text);
      return m && realDate(m[1]!) ? { ok: true, value: `${m[1]}T${m[2]}` } : { ok: false, reason: 'not a date and time (YYYY-MM-DDTHH:mm)' };
    }
    case 'int':
      return /^-?\d{1,15}$/.test(text) ? { ok: true, value: text } : { ok: false, reason: 'not a whole number' };
    case 'number':
      return /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? { ok: true, value: text } : { ok: false, reason: 'not a number' };
    case 'identifier':
      return IDENTIFIER.test(text) ? { ok: true, value: text } : { ok: false, reason: 'not a name (letters, digits and _, optionally dotted)' };
    case 'enum':
      return kind.values.includes(text) ? { ok: true, value: text } : { ok: false, reason: `not one of ${kind.values.join(', ')}` };
    default:
      return raw.length <= 4096 ? { ok: true, value: raw } : { ok: false, reason: 'longer than 4,096 characters' };
  }
}

/** The values a link gives one block: only its own parameters, only valid ones, as the form holds them. */
export function linkValuesFor(params: readonly ParamSpec[], link: DeepLink): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of params) {
    const raw = link.values[p.name];
    if (raw === undefined) continue;
    const checked = checkValue(p, raw);
    if (checked.ok) out[p.name] = checked.value;
  }
  return out;
}

export interface LinkSummary {
  /** Values that filled at least one block, with how many blocks took them. */
  readonly applied: readonly { readonly name: string; readonly value: string; readonly blocks: number }[];
  /** Values no block took, with why. */
  readonly ignored: readonly { readonly name: string; readonly value: string; readonly reason: string }[];
}

/** What a link did to a page, given the parameters of every block on it: said to the operator. */
export function summarizeLink(link: DeepLink, blocks: readonly (readonly ParamSpec[])[]): LinkSummary {
  const applied: { name: string; value: string; blocks: number }[] = [];
  const ignored: { name: string; value: string; reason: string }[] = [];
  for (const [name, raw] of Object.entries(link.values)) {
    const specs = blocks.flatMap((params) => params.filter((p) => p.name === name));
    if (specs.length === 0) {
      ignored.push({ name, value: raw, reason: 'not a parameter on this page' });
      continue;
    }
    const results = specs.map((p) => checkValue(p, raw));
    const ok = results.filter((r): r is Extract<ValueCheck, { ok: true }> => r.ok);
    const firstOk = ok[0];
    if (firstOk) applied.push({ name, value: firstOk.value, blocks: ok.length });
    else ignored.push({ name, value: raw, reason: (results[0] as Extract<ValueCheck, { ok: false }>).reason });
  }
  return { applied, ignored };
}

export { blockAnchor };

/**
 * Whether a link's fragment names this block: its own element id, its snippet id, or its manifest key
 * (`runbook/id`, with or without `:dialect`) — links from alerts and the Health page may carry any of them.
 */
export function anchorNamesBlock(anchor: string | null, block: { readonly runbook: string; readonly id: string }): boolean {
  if (!anchor) return false;
  const key = `${block.runbook}/${block.id}`;
  return anchor === blockAnchor(block.id) || anchor === block.id || anchor === key || anchor.startsWith(`${key}:`);
}

export interface LinkTarget {
  /** Site path of the runbook page, e.g. `/canonical/daily-batch` (an origin may precede it). */
  readonly path: string;
  readonly env: string | null;
  /** Parameter values in form order; empty values are left out (the server uses the default). */
  readonly params: Readonly<Record<string, string>>;
  readonly anchor: string | null;
}

/** A link that opens the page on `env` with `params` filled in, scrolled to `anchor`. */
export function buildDeepLink(target: LinkTarget): string {
  const query = new URLSearchParams();
  if (target.env) query.set('env', target.env);
  for (const [name, value] of Object.entries(target.params)) if (value !== '' && !reserved(name)) query.set(name, value);
  const search = query.toString();
  return `${target.path}${search ? `?${search}` : ''}${target.anchor ? `#${encodeURIComponent(target.anchor).replace(/%2F/g, '/')}` : ''}`;
}
