/**
 * What an approval request goes through besides its one decision, in the state store beside it (DuckDB file
 * or PostgreSQL schema), so it survives restarts and is shared by instances:
 *   approval_routing  how many approvals it needs and the ladder it escalates along (written at request)
 *   approval_votes    one approve per member of the role (N approvals for production writes)
 *   approval_steps    its life for the requester and the inbox: notified, escalated to a level, expired, paged
 * Steps and votes are claimed by primary key (insert … on conflict do nothing), so two instances sweeping
 * at once record — and notify — each step once.
 */
import type { SqlExec } from '../audit/sqlStore';
import type { Row } from '../audit/sql';
import type { ApprovalStep, ApprovalVote } from '../api';

export const ROUTING_TABLES = (p: string) => [
  `create table if not exists ${p}approval_routing (
    approval_id varchar primary key, required integer not null, ladder varchar, mode varchar not null)`,
  `create table if not exists ${p}approval_votes (
    approval_id varchar not null, voter varchar not null, voter_name varchar not null, voted_at varchar not null, comment varchar not null,
    primary key (approval_id, voter))`,
  `create table if not exists ${p}approval_steps (
    approval_id varchar not null, step_key varchar not null, kind varchar not null, happened_at varchar not null, title varchar not null,
    detail varchar, primary key (approval_id, step_key))`,
];

export interface Routing {
  readonly required: number;
  readonly ladder: string | null;
  readonly mode: 'read' | 'write';
}

export interface RoutingStore {
  setRouting(approvalId: string, routing: Routing): Promise<void>;
  routing(approvalId: string): Promise<Routing | null>;
  /** Records one member's approval; false when that member had already approved. */
  addVote(approvalId: string, vote: ApprovalVote): Promise<boolean>;
  votes(approvalId: string): Promise<ApprovalVote[]>;
  /** Records a step once: true for the caller that recorded it (it then notifies), false when it existed. */
  claimStep(approvalId: string, key: string, step: ApprovalStep): Promise<boolean>;
  steps(approvalId: string): Promise<ApprovalStep[]>;
  /** Requests stored as pending that have not had their expiry recorded: the sweep's work list. */
  openRequests(limit: number): Promise<string[]>;
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

const stepFromRow = (r: Row): ApprovalStep => ({
  kind: r.kind as ApprovalStep['kind'], at: String(r.happened_at), title: String(r.title), detail: str(r.detail),
});

export async function openRoutingStore(sql: { exec: SqlExec; prefix: string }): Promise<RoutingStore> {
  const { exec, prefix: p } = sql;
  for (const ddl of ROUTING_TABLES(p)) await exec.query(ddl);
  return {
    async setRouting(id, r) {
      await exec.query(`insert into ${p}approval_routing (approval_id, required, ladder, mode) values ($1, $2, $3, $4) on conflict do nothing`, [id, r.required, r.ladder, r.mode]);
    },
    async routing(id) {
      const rows = await exec.query(`select required, ladder, mode from ${p}approval_routing where approval_id = $1`, [id]);
      const r = rows[0];
      return r ? { required: Number(r.required), ladder: str(r.ladder), mode: r.mode === 'write' ? 'write' : 'read' } : null;
    },
    async addVote(id, v) {
      const rows = await exec.query(
        `insert into ${p}approval_votes (approval_id, voter, voter_name, voted_at, comment) values ($1, $2, $3, $4, $5) on conflict do nothing returning voter`,
        [id, v.by.user, v.by.displayName, v.at, v.comment],
      );
      return rows.length > 0;
    },
    async votes(id) {
      const rows = await exec.query(`select voter, voter_name, voted_at, comment from ${p}approval_votes where approval_id = $1 order by voted_at, voter`, [id]);
      return rows.map((r) => ({ by: { user: String(r.voter), displayName: String(r.voter_name) }, at: String(r.voted_at), comment: String(r.comment) }));
    },
    async claimStep(id, key, s) {
      const rows = await exec.query(
        `insert into ${p}approval_steps (approval_id, step_key, kind, happened_at, title, detail) values ($1, $2, $3, $4, $5, $6) on conflict do nothing returning step_key`,
        [id, key, s.kind, s.at, s.title.slice(0, 500), s.detail?.slice(0, 2000) ?? null],
      );
      return rows.length > 0;
    },
    async steps(id) {
      const rows = await exec.query(`select kind, happened_at, title, detail from ${p}approval_steps where approval_id = $1 order by happened_at, (kind <> 'notified'), step_key`, [id]);
      return rows.map(stepFromRow);
    },
    async openRequests(limit) {
      const rows = await exec.query(
        `select a.id from ${p}approvals a where a.status = 'pending'
           and not exists (select 1 from ${p}approval_steps s where s.approval_id = a.id and s.step_key = 'expired')
         order by a.requested_at limit ${Math.trunc(limit)}`,
      );
      return rows.map((r) => String(r.id));
    },
  };
}
