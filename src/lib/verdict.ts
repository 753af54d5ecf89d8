/**
 * A check's verdict as the page says it: ok, warn (amber) or error (red), always with words and an icon,
 * never colour alone. A server that predates warn/error sends only `passed`: passed is ok, failed is error.
 */
import type { CheckResult } from '@site/server/protocol';
import type { Verdict } from '@site/server/checks/types';

export type { Verdict };

/** `done.check` with the fields check evaluation adds (optional on the wire; older servers omit them). */
export type CheckReport = CheckResult & {
  readonly verdict?: Verdict;
  /** The measured number: first value, row count or age. */
  readonly value?: number | null;
  /** The condition that decided, e.g. `value < avg(7d) * 0.75`. */
  readonly threshold?: string;
};

export function verdictOf(check: CheckReport): Verdict {
  if (check.verdict === 'ok' || check.verdict === 'warn' || check.verdict === 'error') return check.verdict;
  return check.passed ? 'ok' : 'error';
}

export const VERDICT_ICON: Record<Verdict, string> = { ok: '✓', warn: '⚠', error: '✗' };
export const VERDICT_WORD: Record<Verdict, string> = { ok: 'Check passed', warn: 'Warning', error: 'Check failed' };

/** A number as an operator reads it: grouped thousands, at most 3 decimals. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) < 1 ? 4 : 3 });
}
