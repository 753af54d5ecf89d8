/**
 * Every firing of a schedule is a row: which slot, which instance ran it, and how its checks ended — or
 * that it was skipped because the previous firing was still running. "Never overlapping" holds across
 * instances on PostgreSQL through a partial unique index (one `running` firing per schedule); the embedded
 * store has one process and one serialized connection, where the conditional insert alone is atomic.
 */
import type { StateSql } from '../audit/types';
import type { Row } from '../audit/sql';

export type FiringStatus = 'running' | 'done' | 'skipped' | 'failed' | 'interrupted';

export interface Firing {
  readonly id: string;
  readonly schedule: string;
  /** The scheduled time this firing is for (ISO). */
  readonly slot: string;
  readonly instance: string;
  readonly status: FiringStatus;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly runs: number;
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
  readonly runIds: readonly string[];
  readonly detail: string | null;
}

export interface FiringStore {
  /** Starts a firing; false (and nothing written) when another firing of the schedule is running. */
  begin(f: Pick<Firing, 'id' | 'schedule' | 'slot' | 'instance' | 'startedAt'>): Promise<boolean>;
  skipped(f: Pick<Firing, 'id' | 'schedule' | 'slot' | 'instance' | 'startedAt'>, detail: string): Promise<void>;
  finish(id: string, end: Pick<Firing, 'status' | 'endedAt' | 'runs' | 'passed' | 'failed' | 'errors' | 'runIds' | 'detail'>): Promise<void>;
  /** Running firings of this instance's previous life, or of instances without a recent heartbeat, end `interrupted`. */
  interruptAbandoned(self: string, staleBefore: Date, now: Date, includeSelf: boolean): Promise<number>;
  list(filter: { schedule?: string; limit: number }): Promise<Firing[]>;
}

const COLUMNS = 'id, schedule, slot, instance, status, started_at, ended_at, runs, passed, failed, errors, run_ids, detail';

const fromRow = (r: Row): Firing => ({
  id: String(r.id), schedule: String(r.schedule), slot: String(r.slot), instance: String(r.instance), status: r.status as FiringStatus,
  startedAt: String(r.started_at), endedAt: r.ended_at === null ? null : String(r.ended_at), runs: Number(r.runs), passed: Number(r.passed),
  failed: Number(r.failed), errors: Number(r.errors), runIds: JSON.parse(String(r.run_ids)) as string[], detail: r.detail === null ? null : String(r.detail),
});

export async function openFiringStore(sql: StateSql): Promise<FiringStore> {
  const { exec, prefix: p } = sql;
  await exec.query(`create table if not exists ${p}schedule_firings (
    id varchar primary key, schedule varchar not null, slot varchar not null, instance varchar not null, status varchar not null,
    started_at varchar not null, ended_at varchar, runs integer not null, passed integer not null, failed integer not null,
    errors integer not null, run_ids varchar not null, detail varchar)`);
  if (sql.engine === 'postgres') {
    await exec.query(`create unique index if not exists schedule_firings_one_running on ${p}schedule_firings (schedule) where status = 'running'`);
  }
  // Placeholders are cast: PostgreSQL cannot deduce one type for $2 used both as a value and in a comparison.
  const insert = (status: FiringStatus, detail: string | null) =>
    `insert into ${p}schedule_firings (${COLUMNS}) select $1::varchar, $2::varchar, $3::varchar, $4::varchar, '${status}', $5::varchar, ${status === 'running' ? 'null' : '$5::varchar'}, 0, 0, 0, 0, '[]', ${detail === null ? 'null' : '$6::varchar'}`;
  return {
    async begin(f) {
      const rows = await exec.query(
        `${insert('running', null)} where not exists (select 1 from ${p}schedule_firings where schedule = $2::varchar and status = 'running') on conflict do nothing returning id`,
        [f.id, f.schedule, f.slot, f.instance, f.startedAt],
      );
      return rows.length === 1;
    },
    async skipped(f, detail) {
      await exec.query(insert('skipped', detail), [f.id, f.schedule, f.slot, f.instance, f.startedAt, detail]);
    },
    async finish(id, e) {
      await exec.query(
        `update ${p}schedule_firings set status = $1, ended_at = $2, runs = $3, passed = $4, failed = $5, errors = $6, run_ids = $7, detail = $8 where id = $9`,
        [e.status, e.endedAt, e.runs, e.passed, e.failed, e.errors, JSON.stringify(e.runIds), e.detail, id],
      );
    },
    async interruptAbandoned(self, staleBefore, now, includeSelf) {
      const rows = await exec.query(
        `update ${p}schedule_firings set status = 'interrupted', ended_at = $1, detail = 'The server running this firing stopped before it ended.'
         where status = 'running' and (($2 and instance = $3) or (instance <> $3 and instance not in (select id from ${p}instances where seen_at > $4)))
         returning id`,
        [now.toISOString(), includeSelf, self, staleBefore.toISOString()],
      );
      return rows.length;
    },
    async list(filter) {
      const rows = await exec.query(
        `select ${COLUMNS} from ${p}schedule_firings ${filter.schedule ? 'where schedule = $1' : ''} order by started_at desc, id desc limit ${Math.trunc(filter.limit)}`,
        filter.schedule ? [filter.schedule] : [],
      );
      return rows.map(fromRow);
    },
  };
}
