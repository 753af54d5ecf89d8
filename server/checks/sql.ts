/**
 * The check-result table, shared by the embedded DuckDB store and PostgreSQL (both take $n placeholders).
 * Append-only like the audit log: a result is never changed, so the history a baseline reads is what
 * was measured at the time.
 */
import type { Row } from '../audit/sql';
import type { CheckResultRecord } from './types';

export const CHECK_TABLES = (prefix: string) => [
  `create table if not exists ${prefix}check_results (
    id varchar primary key, env varchar not null, check_key varchar not null, sha256 varchar not null, runbook varchar not null,
    step varchar, business_date varchar, value double precision, row_count bigint not null, verdict varchar not null,
    detail varchar not null, run_id varchar, ran_by varchar not null, origin varchar not null, recorded_at varchar not null)`,
  `create index if not exists check_results_env_key_at on ${prefix}check_results (env, check_key, recorded_at)`,
];

export const CHECK_COLUMNS = 'id, env, check_key, sha256, runbook, step, business_date, value, row_count, verdict, detail, run_id, ran_by, origin, recorded_at';

export function checkValues(r: CheckResultRecord): unknown[] {
  // Infinity (an age of "never loaded") has no JSON form: the verdict and detail carry it instead.
  const value = r.value !== null && Number.isFinite(r.value) ? r.value : null;
  return [r.id, r.env, r.key, r.sha256, r.runbook, r.step, r.businessDate, value, r.rows, r.verdict, r.detail, r.runId, r.ranBy, r.origin, r.at];
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function checkFromRow(row: Row): CheckResultRecord {
  return {
    id: String(row.id),
    env: String(row.env),
    key: String(row.check_key),
    sha256: String(row.sha256),
    runbook: String(row.runbook),
    step: str(row.step),
    businessDate: str(row.business_date),
    value: row.value === null || row.value === undefined ? null : Number(row.value),
    rows: Number(row.row_count),
    verdict: row.verdict as CheckResultRecord['verdict'],
    detail: String(row.detail),
    runId: str(row.run_id),
    ranBy: String(row.ran_by),
    origin: row.origin as CheckResultRecord['origin'],
    at: String(row.recorded_at),
  };
}
