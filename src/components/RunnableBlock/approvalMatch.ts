/**
 * Does an approval still cover what the block would run? The server binds an approval to the snippet
 * key, its sha256, the environment and the parameters, and refuses anything else with `approval_invalid`;
 * the page checks the same before it offers Run, so the operator learns it before pressing the button.
 */
import type { Approval, ApprovalStatus } from '@site/server/api';
import type { ParamSpec } from '@site/plugins/remark-runbook/types';
// Relative, not @site: this module is unit-tested in Node, where the alias does not exist.
import { effectiveStatus } from '../../lib/approvals';
import { inputKind } from './params';

/** What Run would send now. `params` are the wire values (see `wireValue`). */
export interface RunIntent {
  readonly snippet: string;
  readonly sha256: string;
  readonly env: string;
  readonly params: Readonly<Record<string, string>>;
}

export interface Mismatch {
  readonly field: 'snippet' | 'sha256' | 'env' | 'param';
  /** The parameter's name for `param`; otherwise the field. */
  readonly name: string;
  readonly approved: string;
  readonly current: string;
}

/**
 * One spelling per value, so the form's text and the server's resolved value compare equal when they
 * mean the same: numbers as numbers (`7` = `7.0`), datetimes with `T` and seconds, others trimmed.
 */
export function normalizeParam(type: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value).trim();
  const kind = inputKind(type).kind;
  if ((kind === 'int' || kind === 'number') && text !== '' && Number.isFinite(Number(text))) return String(Number(text));
  if (kind === 'datetime') {
    const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::(\d{2})(?:\.0+)?)?Z?$/.exec(text);
    if (m) return `${m[1]}T${m[2]}:${m[3] ?? '00'}`;
  }
  if (kind === 'date') {
    const m = /^(\d{4}-\d{2}-\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?Z?)?$/.exec(text);
    if (m?.[1]) return m[1];
  }
  return text;
}

/** Every way the approval differs from what would run now; empty when it still matches. */
export function approvalMismatches(approval: Approval, intent: RunIntent, params: readonly ParamSpec[]): Mismatch[] {
  const out: Mismatch[] = [];
  if (approval.env !== intent.env) out.push({ field: 'env', name: 'environment', approved: approval.env, current: intent.env });
  if (approval.snippet !== intent.snippet) {
    out.push({ field: 'snippet', name: 'snippet', approved: approval.snippet, current: intent.snippet });
  } else if (approval.sha256 !== intent.sha256) {
    out.push({ field: 'sha256', name: 'sha256', approved: approval.sha256.slice(0, 12), current: intent.sha256.slice(0, 12) });
  }
  for (const p of params) {
    const approved = normalizeParam(p.type, approval.params[p.name]);
    const current = normalizeParam(p.type, intent.params[p.name]);
    if (approved !== current) out.push({ field: 'param', name: p.name, approved, current });
  }
  return out;
}

/** A sentence per mismatch, for the block. */
export function describeMismatch(m: Mismatch): string {
  switch (m.field) {
    case 'env':
      return `approved for environment ${m.approved}, now ${m.current}`;
    case 'snippet':
      return `approved for ${m.approved}, the environment's engine now runs ${m.current}`;
    case 'sha256':
      return 'the snippet changed since the request (a new version of the runbook)';
    default:
      return `${m.name} approved as ${m.approved === '' ? '(empty)' : m.approved}, now ${m.current === '' ? '(empty)' : m.current}`;
  }
}

export type BlockApprovalState = 'none' | ApprovalStatus;

export interface PickOptions {
  /** The block's variant keys (one per dialect). */
  readonly keys: readonly string[];
  readonly user: string;
  readonly now: number;
  /** Approvals requested from this block since the page loaded: always shown, whatever their age. */
  readonly requestedHere: ReadonlySet<string>;
  /** A finished approval (rejected, used, expired) older than this is history, not the block's state. */
  readonly historyAfterMs?: number;
}

/** The approval a block shows: the user's newest request for one of its variants, unless it is old history. */
export function pickBlockApproval(approvals: readonly Approval[], options: PickOptions): Approval | null {
  let newest: Approval | null = null;
  for (const a of approvals) {
    if (a.requestedBy.user !== options.user || !options.keys.includes(a.snippet)) continue;
    if (!newest || a.requestedAt > newest.requestedAt) newest = a;
  }
  if (!newest || options.requestedHere.has(newest.id)) return newest;
  const status = effectiveStatus(newest, options.now);
  if (status === 'pending' || status === 'approved') return newest;
  const last = Date.parse(newest.usedAt ?? newest.decidedAt ?? newest.expiresAt);
  return options.now - last > (options.historyAfterMs ?? 30 * 60_000) ? null : newest;
}

/** The block's approval state: an approval this page already spent counts as used before the server says so. */
export function blockApprovalState(approval: Approval | null, now: number, spent: ReadonlySet<string>): BlockApprovalState {
  if (!approval) return 'none';
  const status = effectiveStatus(approval, now);
  return status === 'approved' && spent.has(approval.id) ? 'used' : status;
}
