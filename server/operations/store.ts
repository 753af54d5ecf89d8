/**
 * Operations in the state store (DuckDB file or PostgreSQL schema, beside the audit): one row per operation
 * and an append-only timeline of events numbered 1, 2, 3 … per operation. The number is taken inside the
 * insert and made unique by the primary key, so two server instances appending at once never share one:
 * the loser of a race retries with the next number.
 */
import { randomUUID } from 'node:crypto';
import type { UserRef } from '../api';
import type { Row } from '../audit/sql';
import type { SqlExec } from '../audit/sqlStore';
import type { Operation, OperationEvent, OperationEventData, OperationStatus, Severity } from './types';

export const OPERATION_TABLES = (p: string) => [
  `create table if not exists ${p}operations (
    id varchar primary key, title varchar not null, severity varchar not null, env varchar not null, status varchar not null,
    owner varchar not null, owner_name varchar not null, participants varchar not null, origin varchar not null, runbook varchar,
    params varchar not null, created_by varchar not null, created_by_name varchar not null, created_at varchar not null,
    updated_at varchar not null, closed_at varchar, event_count integer not null)`,
  `create table if not exists ${p}operation_events (
    operation_id varchar not null, seq integer not null, id varchar not null, occurred_at varchar not null,
    actor varchar not null, actor_name varchar not null, kind varchar not null, data varchar not null,
    primary key (operation_id, seq))`,
  // Approvals requested inside an operation: their later decisions land in the same timeline.
  `create table if not exists ${p}operation_approvals (approval_id varchar primary key, operation_id varchar not null)`,
];

export interface NewOperation {
  readonly title: string;
  readonly severity: Severity;
  readonly env: string;
  readonly origin: string;
  readonly runbook: string | null;
  readonly params: Readonly<Record<string, string>>;
  readonly by: UserRef;
  readonly at: Date;
}

export interface OperationFilter {
  readonly status?: OperationStatus | 'active';
  readonly env?: string;
  readonly severity?: Severity;
  readonly owner?: string;
  /** Words in the title. */
  readonly q?: string;
  readonly limit: number;
}

/** A change of who owns it or its status, applied only while `expect` still holds (atomic). */
export interface StateChange {
  readonly status: OperationStatus;
  readonly owner?: UserRef;
  /** Only when the operation is in one of these states … */
  readonly fromStatus: readonly OperationStatus[];
  /** … and (when given) still owned by this user. */
  readonly fromOwner?: string;
  readonly at: Date;
}

export interface OperationStore {
  create(o: NewOperation): Promise<Operation>;
  get(id: string): Promise<Operation | null>;
  list(filter: OperationFilter): Promise<Operation[]>;
  /** Appends one event (and adds the actor to the participants); null when the operation does not exist. */
  append(operation: string, actor: UserRef, data: OperationEventData, at: Date): Promise<{ operation: Operation; event: OperationEvent } | null>;
  events(operation: string, sinceSeq: number): Promise<OperationEvent[]>;
  /** The new operation, or null when it no longer matched (someone else changed it first). */
  change(id: string, c: StateChange): Promise<Operation | null>;
  linkApproval(approvalId: string, operation: string): Promise<void>;
  operationOfApproval(approvalId: string): Promise<string | null>;
}

const COLUMNS = 'id, title, severity, env, status, owner, owner_name, participants, origin, runbook, params, created_by, created_by_name, created_at, updated_at, closed_at, event_count';
const EVENT_COLUMNS = 'operation_id, seq, id, occurred_at, actor, actor_name, kind, data';

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function operationFromRow(r: Row): Operation {
  return {
    id: String(r.id), title: String(r.title), severity: r.severity as Severity, env: String(r.env), status: r.status as OperationStatus,
    owner: { user: String(r.owner), displayName: String(r.owner_name) }, participants: JSON.parse(String(r.participants)) as UserRef[],
    origin: String(r.origin), runbook: str(r.runbook), params: JSON.parse(String(r.params)) as Record<string, string>,
    createdBy: { user: String(r.created_by), displayName: String(r.created_by_name) }, createdAt: String(r.created_at), updatedAt: String(r.updated_at),
    closedAt: str(r.closed_at), eventCount: Number(r.event_count),
  };
}

function eventFromRow(r: Row): OperationEvent {
  return {
    id: String(r.id), operation: String(r.operation_id), seq: Number(r.seq), at: String(r.occurred_at),
    actor: { user: String(r.actor), displayName: String(r.actor_name) }, data: JSON.parse(String(r.data)) as OperationEventData,
  };
}

/** PostgreSQL's and DuckDB's "duplicate key" errors: another instance took this seq first. */
const duplicateKey = (error: unknown) => {
  const e = error as { code?: unknown; message?: unknown };
  return e.code === '23505' || (typeof e.message === 'string' && /duplicate key|PRIMARY KEY or UNIQUE constraint/i.test(e.message));
};

export async function openOperationStore(sql: { readonly exec: Pick<SqlExec, 'query'>; readonly prefix: string }): Promise<OperationStore> {
  const { exec, prefix: p } = sql;
  for (const ddl of OPERATION_TABLES(p)) {
    try {
      await exec.query(ddl);
    } catch (error) {
      // Two instances starting at once on one PostgreSQL: `create … if not exists` can still collide in the
      // catalog (23505, 42P07). The other one created it; checking once more settles it.
      const code = (error as { code?: unknown }).code;
      if (code !== '23505' && code !== '42P07') throw error;
      await exec.query(ddl);
    }
  }
  const get = async (id: string) => {
    const rows = await exec.query(`select ${COLUMNS} from ${p}operations where id = $1`, [id]);
    return rows[0] ? operationFromRow(rows[0]) : null;
  };
  /**
   * Adds the actor to the participants once. Compare-and-set on the list as read: when another instance
   * added someone in between, read again, so neither addition is lost.
   */
  const join = async (op: Operation, who: UserRef): Promise<void> => {
    if (op.participants.some((u) => u.user === who.user)) return;
    for (let attempt = 0; attempt < 20; attempt++) {
      const rows = await exec.query(`select participants from ${p}operations where id = $1`, [op.id]);
      const before = rows[0] ? String(rows[0].participants) : '[]';
      const current = JSON.parse(before) as UserRef[];
      if (current.some((u) => u.user === who.user)) return;
      const after = JSON.stringify([...current, { user: who.user, displayName: who.displayName }]);
      const changed = await exec.query(`update ${p}operations set participants = $1 where id = $2 and participants = $3 returning id`, [after, op.id, before]);
      if (changed.length) return;
    }
    throw new Error(`could not add ${who.user} to the participants of ${op.id}: it kept changing`);
  };
  return {
    async create(o) {
      const id = `op-${o.at.toISOString().slice(0, 10).replaceAll('-', '')}-${randomUUID().slice(0, 8)}`;
      const at = o.at.toISOString();
      const owner = { user: o.by.user, displayName: o.by.displayName };
      await exec.query(
        `insert into ${p}operations (${COLUMNS}) values ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $5, $6, $11, $11, null, 0)`,
        [id, o.title, o.severity, o.env, owner.user, owner.displayName, JSON.stringify([owner]), o.origin, o.runbook, JSON.stringify(o.params), at],
      );
      return (await get(id))!;
    },
    get,
    async list(f) {
      const clauses: string[] = [];
      const values: unknown[] = [];
      const add = (sqlText: string, v: unknown) => {
        values.push(v);
        clauses.push(sqlText.replace('?', `$${values.length}`));
      };
      if (f.status === 'active') clauses.push(`status <> 'closed'`);
      else if (f.status) add('status = ?', f.status);
      if (f.env) add('env = ?', f.env);
      if (f.severity) add('severity = ?', f.severity);
      if (f.owner) add('owner = ?', f.owner);
      if (f.q) add(`lower(title) like ? escape '\\'`, `%${f.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      const where = clauses.length ? `where ${clauses.join(' and ')}` : '';
      const rows = await exec.query(`select ${COLUMNS} from ${p}operations ${where} order by updated_at desc, id desc limit ${Math.max(1, Math.min(500, Math.trunc(f.limit)))}`, values);
      return rows.map(operationFromRow);
    },
    async append(operation, actor, data, at) {
      const op = await get(operation);
      if (!op) return null;
      for (let attempt = 0; ; attempt++) {
        const id = randomUUID();
        try {
          const rows = await exec.query(
            `insert into ${p}operation_events (${EVENT_COLUMNS})
             select cast($1 as varchar), coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7 from ${p}operation_events where operation_id = $1
             returning ${EVENT_COLUMNS}`,
            [operation, id, at.toISOString(), actor.user, actor.displayName, data.kind, JSON.stringify(data)],
          );
          const event = eventFromRow(rows[0]!);
          // The count only grows: a slower writer with a lower seq must not lower it.
          await exec.query(`update ${p}operations set event_count = greatest(event_count, $1), updated_at = $2 where id = $3`, [event.seq, event.at, operation]);
          await join(op, actor);
          return { operation: (await get(operation))!, event };
        } catch (error) {
          if (!duplicateKey(error) || attempt >= 20) throw error;
        }
      }
    },
    async events(operation, sinceSeq) {
      const rows = await exec.query(`select ${EVENT_COLUMNS} from ${p}operation_events where operation_id = $1 and seq > $2 order by seq`, [operation, Math.trunc(sinceSeq)]);
      return rows.map(eventFromRow);
    },
    async change(id, c) {
      const values: unknown[] = [c.status, c.at.toISOString(), c.status === 'closed' ? c.at.toISOString() : null, id];
      const sets = ['status = $1', 'updated_at = $2', 'closed_at = $3'];
      if (c.owner) {
        values.push(c.owner.user, c.owner.displayName);
        sets.push(`owner = $${values.length - 1}`, `owner_name = $${values.length}`);
      }
      const from = c.fromStatus.map((s) => {
        values.push(s);
        return `$${values.length}`;
      });
      let ownerClause = '';
      if (c.fromOwner !== undefined) {
        values.push(c.fromOwner);
        ownerClause = ` and owner = $${values.length}`;
      }
      const rows = await exec.query(`update ${p}operations set ${sets.join(', ')} where id = $4 and status in (${from.join(', ')})${ownerClause} returning id`, values);
      return rows.length ? get(id) : null;
    },
    async linkApproval(approvalId, operation) {
      await exec.query(`insert into ${p}operation_approvals (approval_id, operation_id) values ($1, $2) on conflict (approval_id) do nothing`, [approvalId, operation]);
    },
    async operationOfApproval(approvalId) {
      const rows = await exec.query(`select operation_id from ${p}operation_approvals where approval_id = $1`, [approvalId]);
      return rows[0] ? String(rows[0].operation_id) : null;
    },
  };
}

/**
 * The store before its tables exist: createApp is synchronous, the DDL is not. Every call waits for the
 * opening; a failed opening fails each call (the routes answer 500, runs are recorded without it).
 */
export function deferredOperationStore(opening: Promise<OperationStore>): OperationStore {
  // Handled here so a failed opening is not an unhandled rejection; each call still sees the error.
  opening.catch(() => undefined);
  const call =
    <K extends keyof OperationStore>(name: K) =>
    async (...args: Parameters<OperationStore[K]>): Promise<Awaited<ReturnType<OperationStore[K]>>> => {
      const store = await opening;
      return (store[name] as (...a: Parameters<OperationStore[K]>) => Promise<Awaited<ReturnType<OperationStore[K]>>>)(...args);
    };
  return {
    create: call('create'), get: call('get'), list: call('list'), append: call('append'), events: call('events'), change: call('change'),
    linkApproval: call('linkApproval'), operationOfApproval: call('operationOfApproval'),
  };
}
