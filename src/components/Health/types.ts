/**
 * GET /api/checks?env=E&date=YYYY-MM-DD as the Health page reads it (the contract of issue 11, served by
 * server/checks). PRE-MERGE: written from the contract; once the server's module exports these shapes the
 * page imports them from there instead.
 */
import type { CheckResultRecord, Verdict } from '@site/server/checks/types';

export type HealthStatus = 'ok' | 'warn' | 'error' | 'not-run' | 'stale';

export interface HealthCheck {
  readonly key: string;
  readonly sha256: string;
  readonly runbook: string;
  readonly runbookTitle: string;
  readonly system: string;
  readonly owner: string | null;
  readonly step: string | null;
  readonly stepTitle: string | null;
  readonly title: string | null;
  /** Site path of the runbook page. */
  readonly docPath: string;
  /** Element id of the block on that page. */
  readonly anchor: string;
  readonly params: readonly { readonly name: string; readonly type: string; readonly default?: string | null }[];
  readonly conditions: { readonly expect?: string; readonly warn?: string; readonly error?: string };
  readonly status: HealthStatus;
  readonly last: CheckResultRecord | null;
  /** Oldest first, at most 30. */
  readonly history: readonly { readonly at: string; readonly businessDate: string | null; readonly value: number | null; readonly verdict: Verdict }[];
}

export interface ChecksResponse {
  readonly env: string;
  readonly businessDate: string;
  readonly checks: readonly HealthCheck[];
}
