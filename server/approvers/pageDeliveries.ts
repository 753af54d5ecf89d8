/**
 * Pages of an operation waiting for their delivery's answer, kept in the state store (issue 14): the outbox
 * may deliver a page on another instance than the one that queued it, or after the one that queued it
 * restarted, and either must still record the receiver's answer in the operation. One row per notification,
 * from before it is queued until its outcome is recorded in the operation.
 */
import type { SqlExec } from '../audit/sqlStore';
import { tableOnce } from '../audit/tableOnce';
import type { UserRef } from '../api';

/** What a page in an operation needs to record its delivery: which operation, and the page as first recorded. */
export interface PendingPage {
  readonly operation: string;
  readonly by: UserRef;
  readonly target: string;
  readonly summary: string;
  readonly dedupKey: string;
  readonly ladder: string;
  readonly level: string;
}

/** A page whose delivery ended but whose outcome no instance recorded (it stopped in between). */
export interface UnrecordedDelivery {
  readonly notificationId: string;
  readonly channel: string;
  readonly outcome: 'sent' | 'failed';
  readonly httpStatus: number | null;
  /** The last attempt's error; a success's answer was not kept by the outbox. */
  readonly answer: string | null;
  readonly page: PendingPage;
}

export interface PageDeliveries {
  /** Before the notifications are queued, so no delivery can come back unmatched. */
  remember(notificationIds: readonly string[], page: PendingPage): Promise<void>;
  forget(notificationIds: readonly string[]): Promise<void>;
  find(notificationId: string): Promise<PendingPage | null>;
  /** Settled deliveries (last attempt before `settledBefore`) whose outcome was never recorded. */
  unrecorded(settledBefore: Date): Promise<UnrecordedDelivery[]>;
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function sqlPageDeliveries(sql: { readonly exec: Pick<SqlExec, 'query'>; readonly prefix: string }): PageDeliveries {
  const p = sql.prefix;
  const prepare = tableOnce(sql.exec, `create table if not exists ${p}page_deliveries (notification_id varchar primary key, page varchar not null)`);
  return {
    async remember(ids, page) {
      await prepare();
      for (const id of ids) await sql.exec.query(`insert into ${p}page_deliveries (notification_id, page) values ($1, $2)`, [id, JSON.stringify(page)]);
    },
    async forget(ids) {
      await prepare();
      for (const id of ids) await sql.exec.query(`delete from ${p}page_deliveries where notification_id = $1`, [id]);
    },
    async find(id) {
      await prepare();
      const rows = await sql.exec.query(`select page from ${p}page_deliveries where notification_id = $1`, [id]);
      return rows[0] ? (JSON.parse(String(rows[0].page)) as PendingPage) : null;
    },
    async unrecorded(settledBefore) {
      await prepare();
      const rows = await sql.exec.query(
        `select d.notification_id, d.page, n.channel, n.status, a.http_status, a.error
         from ${p}page_deliveries d
         join ${p}notifications n on n.id = d.notification_id
         left join ${p}notification_attempts a on a.notification_id = n.id and a.attempt = n.attempts
         where n.status in ('sent', 'failed') and a.attempted_at < $1`,
        [settledBefore.toISOString()],
      );
      return rows.map((r) => ({
        notificationId: String(r.notification_id),
        channel: String(r.channel),
        outcome: r.status === 'sent' ? ('sent' as const) : ('failed' as const),
        httpStatus: r.http_status === null || r.http_status === undefined ? null : Number(r.http_status),
        answer: str(r.error),
        page: JSON.parse(String(r.page)) as PendingPage,
      }));
    },
  };
}

/** For stores without SQL (hand-written test fakes): in this process only. */
export function memoryPageDeliveries(): PageDeliveries {
  const pending = new Map<string, PendingPage>();
  return {
    async remember(ids, page) {
      for (const id of ids) pending.set(id, page);
    },
    async forget(ids) {
      for (const id of ids) pending.delete(id);
    },
    async find(id) {
      return pending.get(id) ?? null;
    },
    async unrecorded() {
      return [];
    },
  };
}
