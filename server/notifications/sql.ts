/**
 * The outbox tables, in the same state store as the audit (DuckDB file or PostgreSQL schema): notifications
 * and one row per delivery attempt. Timestamps are ISO UTC strings, as in server/audit/sql.ts.
 */
import type { SqlExec } from '../audit/sqlStore';
import type { Row } from '../audit/sql';
import type { DeliveryAttempt, NewNotification, Notification, NotificationStatus, NotificationView } from './types';

export const OUTBOX_TABLES = (prefix: string) => [
  `create table if not exists ${prefix}notifications (
    id varchar primary key, channel varchar not null, kind varchar not null, event varchar not null, subject varchar not null,
    body varchar not null, status varchar not null, attempts integer not null, created_at varchar not null,
    next_attempt_at varchar, sent_at varchar, last_error varchar, claimed_by varchar, claimed_at varchar)`,
  `create table if not exists ${prefix}notification_attempts (
    notification_id varchar not null, attempt integer not null, attempted_at varchar not null, http_status integer,
    outcome varchar not null, error varchar, retry_after_ms bigint)`,
];

const COLUMNS = 'id, channel, kind, event, subject, body, status, attempts, created_at, next_attempt_at, sent_at, last_error';

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function fromRow(r: Row): Notification {
  return {
    id: String(r.id), channel: String(r.channel), kind: r.kind as Notification['kind'], event: String(r.event), subject: String(r.subject),
    body: JSON.parse(String(r.body)) as Record<string, unknown>, status: r.status as NotificationStatus, attempts: Number(r.attempts),
    createdAt: String(r.created_at), nextAttemptAt: str(r.next_attempt_at), sentAt: str(r.sent_at), lastError: str(r.last_error),
  };
}

export interface OutboxStore {
  insert(n: NewNotification & { readonly id: string; readonly createdAt: string }): Promise<void>;
  /** Atomically takes up to `limit` due pending notifications for this instance (status → sending). */
  claimDue(now: Date, instance: string, limit: number): Promise<Notification[]>;
  /** Records an attempt and the notification's new state in one go. */
  settle(attempt: DeliveryAttempt, next: { status: NotificationStatus; nextAttemptAt: string | null; sentAt: string | null; lastError: string | null }): Promise<void>;
  /** Claims left by this instance's previous life, or by any instance long ago, become pending again. */
  release(instance: string, staleBefore: Date): Promise<number>;
  /** The earliest next attempt among pending notifications (to sleep until then). */
  nextDue(): Promise<string | null>;
  list(filter: { status?: NotificationStatus; limit: number }): Promise<NotificationView[]>;
}

export async function openOutboxStore(sql: { exec: SqlExec; prefix: string }): Promise<OutboxStore> {
  const { exec, prefix: p } = sql;
  for (const ddl of OUTBOX_TABLES(p)) await exec.query(ddl);
  return {
    async insert(n) {
      await exec.query(
        `insert into ${p}notifications (${COLUMNS}) values ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, null, null)`,
        [n.id, n.channel, n.kind, n.event, n.subject.slice(0, 500), JSON.stringify(n.body), n.createdAt],
      );
    },
    async claimDue(now, instance, limit) {
      const at = now.toISOString();
      // The outer `status = 'pending'` is re-checked on the locked row: two instances never claim one notification.
      const rows = await exec.query(
        `update ${p}notifications set status = 'sending', claimed_by = $1, claimed_at = $2
         where status = 'pending' and id in (select id from ${p}notifications where status = 'pending' and next_attempt_at <= $2 order by next_attempt_at limit ${Math.trunc(limit)})
         returning ${COLUMNS}`,
        [instance, at],
      );
      return rows.map(fromRow);
    },
    async settle(a, next) {
      await exec.query(
        `insert into ${p}notification_attempts (notification_id, attempt, attempted_at, http_status, outcome, error, retry_after_ms) values ($1, $2, $3, $4, $5, $6, $7)`,
        [a.notificationId, a.attempt, a.at, a.httpStatus, a.outcome, a.error, a.retryAfterMs],
      );
      await exec.query(
        `update ${p}notifications set status = $1, attempts = $2, next_attempt_at = $3, sent_at = $4, last_error = $5, claimed_by = null, claimed_at = null where id = $6`,
        [next.status, a.attempt, next.nextAttemptAt, next.sentAt, next.lastError, a.notificationId],
      );
    },
    async release(instance, staleBefore) {
      const rows = await exec.query(
        `update ${p}notifications set status = 'pending', claimed_by = null, claimed_at = null
         where status = 'sending' and (claimed_by = $1 or claimed_at < $2) returning id`,
        [instance, staleBefore.toISOString()],
      );
      return rows.length;
    },
    async nextDue() {
      const rows = await exec.query(`select min(next_attempt_at) as due from ${p}notifications where status = 'pending'`);
      return str(rows[0]?.due);
    },
    async list(filter) {
      const rows = await exec.query(
        `select ${COLUMNS} from ${p}notifications ${filter.status ? 'where status = $1' : ''} order by created_at desc, id desc limit ${Math.trunc(filter.limit)}`,
        filter.status ? [filter.status] : [],
      );
      const list = rows.map(fromRow);
      if (list.length === 0) return [];
      const ids = list.map((n) => n.id);
      const attempts = await exec.query(
        `select notification_id, attempt, attempted_at, http_status, outcome, error, retry_after_ms from ${p}notification_attempts
         where notification_id in (${ids.map((_, i) => `$${i + 1}`).join(', ')}) order by attempted_at, attempt`,
        ids,
      );
      return list.map((n) => ({
        ...n,
        attemptLog: attempts
          .filter((a) => a.notification_id === n.id)
          .map((a) => ({
            notificationId: n.id, attempt: Number(a.attempt), at: String(a.attempted_at), httpStatus: a.http_status === null ? null : Number(a.http_status),
            outcome: a.outcome as DeliveryAttempt['outcome'], error: str(a.error), retryAfterMs: a.retry_after_ms === null ? null : Number(a.retry_after_ms),
          })),
      }));
    },
  };
}
