/**
 * HTTP shapes of the check endpoints (issue 11), imported (type-only) by the Health page:
 *   GET /api/checks?env=E&date=YYYY-MM-DD → ChecksResponse
 *   GET /api/checks/history?env=E&key=K&limit=N → CheckHistoryResponse (newest first)
 */
import type { CheckResultRecord, Verdict } from './types';

export type CheckStatus = Verdict | 'not-run' | 'stale';

export interface CheckParam {
  readonly name: string;
  readonly type: string;
  readonly default?: string;
}

export interface CheckPoint {
  readonly at: string;
  readonly businessDate: string | null;
  readonly value: number | null;
  readonly verdict: Verdict;
}

export interface CheckEntry {
  /** The manifest key to run in this environment (the variant for its engine). */
  readonly key: string;
  readonly sha256: string;
  readonly runbook: string;
  readonly runbookTitle: string;
  readonly system: string;
  readonly owner: string | null;
  readonly step: string | null;
  readonly stepTitle: string | null;
  readonly title: string | null;
  /** Site path of the runbook page, e.g. /investor/profit-aggregate. */
  readonly docPath: string;
  /** Element id of the block on that page: the snippet id (e.g. profit-vs-average). */
  readonly anchor: string;
  readonly params: readonly CheckParam[];
  readonly conditions: { readonly expect?: string; readonly warn?: string; readonly error?: string };
  readonly status: CheckStatus;
  readonly last: CheckResultRecord | null;
  /** Oldest → newest, at most 30. */
  readonly history: readonly CheckPoint[];
  /**
   * The business date this check is judged for: the requested date, or — without one — its date
   * parameter's default (`yesterday` for a report date) in its runbook's zone; null when it has no date.
   */
  readonly businessDate?: string | null;
  /** The name of the parameter that takes the business date, to fill it in a deep link. */
  readonly dateParam?: string | null;
}

export interface ChecksResponse {
  readonly env: string;
  /** The requested date, or today (UTC) when none was given. */
  readonly businessDate: string;
  readonly checks: readonly CheckEntry[];
}

export interface CheckHistoryResponse {
  readonly results: readonly CheckResultRecord[];
}
