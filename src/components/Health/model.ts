/**
 * The Health page's view-model: each check's row (status in words and icon, value, threshold, history,
 * last run, a deep link into its runbook) from the server's answer and the results of a run in progress,
 * grouped by runbook and owner. Pure functions, unit-tested; the components only draw them.
 */
import { recordsAnAge } from '@site/plugins/remark-runbook/syntax/duration';
import type { CheckOrigin, CheckResultRecord, Verdict } from '@site/server/checks/types';
import { reportParams } from '@site/src/lib/businessDate';
import { buildDeepLink } from '@site/src/lib/deepLink';
import type { HealthCheck, HealthStatus } from './types';

/** What the page knows of a check in the current "Run every check". */
export type LiveResult =
  | { readonly state: 'queued' | 'running' }
  | {
      readonly state: 'done';
      /** Null: the check could not run (connection error, refused…); `detail` says why. */
      readonly verdict: Verdict | null;
      readonly value: number | null;
      readonly detail: string;
      readonly threshold: string | null;
      readonly at: string;
    };

export type RowStatus = HealthStatus | 'queued' | 'running' | 'failed-to-run';

export const STATUS_TEXT: Record<RowStatus, string> = {
  ok: 'OK',
  warn: 'Warning',
  error: 'Error',
  'not-run': 'Not run',
  stale: 'Stale',
  queued: 'Queued',
  running: 'Running',
  'failed-to-run': 'Could not run',
};

export const STATUS_ICON: Record<RowStatus, string> = {
  ok: '✓',
  warn: '⚠',
  error: '✗',
  'not-run': '○',
  stale: '◷',
  queued: '·',
  running: '…',
  'failed-to-run': '✗',
};

/**
 * Said under "Stale", so the word is not a riddle: which date has no result yet, and which date the last one
 * is for — at 3 a.m. an old figure must not read as tonight's.
 */
export function staleHint(businessDate: string | null, last: Pick<CheckResultRecord, 'businessDate' | 'at'> | null): string {
  if (businessDate && last?.businessDate && last.businessDate !== businessDate) {
    return `Not run for ${businessDate} yet; the last result is for ${last.businessDate}.`;
  }
  if (businessDate) return `Not run for ${businessDate} yet.`;
  return `Not run for more than a day${last ? ` (last ${last.at.slice(0, 10)})` : ''}.`;
}

export interface HistoryPoint {
  readonly at: string;
  readonly value: number | null;
  readonly verdict: Verdict;
}

export interface HealthRow {
  readonly key: string;
  readonly title: string;
  /** The business date the row is judged for; null when the check has no date. */
  readonly businessDate: string | null;
  readonly stepTitle: string | null;
  readonly status: RowStatus;
  readonly statusHint: string | null;
  readonly value: number | null;
  /** The value is an age in seconds (the deciding rule starts with age()): shown as a duration, "35.8h". */
  readonly valueIsAge: boolean;
  /** The business date the value was measured for, when it is not the row's (a stale row shows an old figure). */
  readonly valueFor: string | null;
  /** The condition that decided the latest result, else the check's conditions as written. */
  readonly threshold: string;
  readonly detail: string | null;
  readonly history: readonly HistoryPoint[];
  readonly lastAt: string | null;
  readonly lastBy: string | null;
  readonly lastOrigin: CheckOrigin | 'this page' | null;
  /** Opens the runbook at the check, on this environment, with the business date filled in. */
  readonly link: string;
}

/** The check's conditions as written in the runbook (warn and error say what trouble looks like): `error if … · warn if … · expect …`. */
export function conditionsText(conditions: HealthCheck['conditions']): string {
  const parts: string[] = [];
  if (conditions.error) parts.push(`error if ${conditions.error}`);
  if (conditions.warn) parts.push(`warn if ${conditions.warn}`);
  if (conditions.expect) parts.push(`expect ${conditions.expect}`);
  return parts.join(' · ');
}

/**
 * The parameters a check runs with for a business date: its date parameter as the server judges it
 * (`dateParam`), and every other parameter named like a business date; the rest keep their defaults.
 */
export function checkParams(check: Pick<HealthCheck, 'params' | 'dateParam' | 'businessDate'>, picked: string | null): Record<string, string> {
  // Without a picked date each check keeps its own (today or yesterday in its runbook's zone, as the server judged it).
  const businessDate = picked ?? check.businessDate ?? null;
  if (!businessDate) return {};
  return { ...reportParams(check, businessDate), ...(check.dateParam ? { [check.dateParam]: businessDate } : {}) };
}

export function checkLink(check: HealthCheck, env: string, picked: string | null): string {
  return buildDeepLink({ path: check.docPath, env, params: checkParams(check, picked), anchor: check.anchor });
}

export function rowOf(check: HealthCheck, live: LiveResult | undefined, env: string, businessDate: string | null): HealthRow {
  const base = {
    key: check.key,
    businessDate: check.dateParam ? (businessDate ?? check.businessDate ?? null) : null,
    title: check.title ?? check.key.slice(check.key.indexOf('/') + 1),
    stepTitle: check.stepTitle,
    link: checkLink(check, env, businessDate),
    valueIsAge: recordsAnAge(check.conditions),
  };
  const last = check.last;
  const recorded = {
    value: last?.value ?? null,
    detail: last?.detail ?? null,
    history: check.history,
    lastAt: last?.at ?? null,
    lastBy: last?.ranBy ?? null,
    lastOrigin: last?.origin ?? null,
  };
  if (live?.state === 'done') {
    const status: RowStatus = live.verdict ?? 'failed-to-run';
    // Until the page asks the server again, the new result is drawn at the end of the history.
    const history = live.verdict && live.value !== null ? [...check.history, { at: live.at, value: live.value, verdict: live.verdict }].slice(-30) : check.history;
    return {
      ...base,
      ...recorded,
      status,
      statusHint: null,
      value: live.verdict ? live.value : recorded.value,
      valueFor: null,
      threshold: live.threshold ?? conditionsText(check.conditions),
      detail: live.detail,
      history,
      lastAt: live.at,
      lastBy: 'you',
      lastOrigin: 'this page',
    };
  }
  const status: RowStatus = live ? live.state : check.status;
  const stale = check.status === 'stale' && !live;
  return {
    ...base,
    ...recorded,
    // A stale row's detail is about another day: the hint says which, the value carries its date.
    detail: stale ? null : recorded.detail,
    valueFor: stale && last?.businessDate && last.businessDate !== base.businessDate ? last.businessDate : null,
    status,
    statusHint: stale ? staleHint(base.businessDate, last) : null,
    threshold: conditionsText(check.conditions),
  };
}

export interface HealthGroup {
  readonly runbook: string;
  readonly title: string;
  readonly system: string;
  readonly owner: string | null;
  readonly docPath: string;
  readonly rows: readonly HealthRow[];
  readonly counts: StatusCounts;
}

export type StatusCounts = Readonly<Record<RowStatus, number>>;

export function countStatuses(rows: readonly Pick<HealthRow, 'status'>[]): StatusCounts {
  const counts = Object.fromEntries(Object.keys(STATUS_TEXT).map((s) => [s, 0])) as Record<RowStatus, number>;
  for (const r of rows) counts[r.status] += 1;
  return counts;
}

/** One group per runbook, in the server's order (system, then runbook), each with its owner. */
export function groupRows(checks: readonly HealthCheck[], live: ReadonlyMap<string, LiveResult>, env: string, businessDate: string | null): HealthGroup[] {
  const groups = new Map<string, { check: HealthCheck; rows: HealthRow[] }>();
  for (const check of checks) {
    const group = groups.get(check.runbook) ?? { check, rows: [] };
    group.rows.push(rowOf(check, live.get(check.key), env, businessDate));
    groups.set(check.runbook, group);
  }
  return [...groups.values()].map(({ check, rows }) => ({
    runbook: check.runbook,
    title: check.runbookTitle,
    system: check.system,
    owner: check.owner,
    docPath: check.docPath,
    rows,
    counts: countStatuses(rows),
  }));
}

/**
 * One check per block: a block written once per engine is listed once per dialect (`key:duckdb`…); keep the
 * one for this environment's engines, else the block without a dialect.
 */
export function onePerBlock(checks: readonly HealthCheck[], dialects: readonly string[]): HealthCheck[] {
  const byBlock = new Map<string, HealthCheck[]>();
  for (const c of checks) {
    const block = c.key.split(':')[0]!;
    byBlock.set(block, [...(byBlock.get(block) ?? []), c]);
  }
  return [...byBlock.values()].map((variants) => {
    if (variants.length === 1) return variants[0]!;
    const dialectOf = (c: HealthCheck) => (c.key.includes(':') ? c.key.slice(c.key.indexOf(':') + 1) : null);
    return variants.find((c) => dialects.includes(dialectOf(c) ?? '')) ?? variants.find((c) => dialectOf(c) === null) ?? variants[0]!;
  });
}
