/**
 * Check results in the state store (issue 11): the history baselines read, the Health page shows and
 * alerts watch. One implementation over the SQL both stores speak; transitions are announced to
 * listeners in this server process (alerts subscribe in app wiring).
 *
 * A state change is per (environment, check, business date): each business date's data is its own
 * incident, so yesterday's recovery never resolves today's alert, and a rerun of an old date compares
 * with that date's previous result, not with whatever ran last.
 */
import { randomUUID } from 'node:crypto';
import type { SqlExec } from '../audit/sqlStore';
import { CHECK_COLUMNS, checkFromRow, checkValues } from './sql';
import type { CheckHistory, CheckResultRecord, CheckTransition } from './types';

export function createCheckHistory(exec: Pick<SqlExec, 'query'>, prefix: string, log: (m: string) => void = (m) => console.error(`opsbook: ${m}`)): CheckHistory {
  const listeners = new Set<(t: CheckTransition) => void>();
  const table = `${prefix}check_results`;
  const newestOfDate = async (env: string, key: string, businessDate: string | null): Promise<CheckResultRecord | null> => {
    const rows = await exec.query(
      `select ${CHECK_COLUMNS} from ${table} where env = $1 and check_key = $2 and ${businessDate === null ? 'business_date is null' : 'business_date = $3'} order by recorded_at desc, id desc limit 1`,
      businessDate === null ? [env, key] : [env, key, businessDate],
    );
    return rows[0] ? checkFromRow(rows[0]) : null;
  };
  return {
    async record(result) {
      const record: CheckResultRecord = { id: randomUUID(), ...result };
      const previous = await newestOfDate(record.env, record.key, record.businessDate);
      await exec.query(`insert into ${table} (${CHECK_COLUMNS}) values (${CHECK_COLUMNS.split(', ').map((_, i) => `$${i + 1}`).join(', ')})`, checkValues(record));
      if (previous?.verdict !== record.verdict) {
        const transition: CheckTransition = { previous: previous?.verdict ?? null, ...(previous ? { previousOrigin: previous.origin } : {}), current: record };
        // A listener's failure (an alert channel) must never fail the check that was recorded.
        for (const listener of listeners) {
          try {
            listener(transition);
          } catch (error) {
            log(`a check transition listener failed: ${(error as Error).message}`);
          }
        }
      }
      return record;
    },
    async latest(env, businessDate) {
      const values: unknown[] = [env];
      if (businessDate !== null) values.push(businessDate);
      const rows = await exec.query(
        `select ${CHECK_COLUMNS} from (
           select *, row_number() over (partition by check_key order by recorded_at desc, id desc) as newest
           from ${table} where env = $1 ${businessDate !== null ? 'and business_date = $2' : ''}) r
         where newest = 1 order by check_key`,
        values,
      );
      return rows.map(checkFromRow);
    },
    async series(env, key, limit) {
      const n = Math.max(1, Math.min(1000, Math.trunc(limit)));
      const rows = await exec.query(`select ${CHECK_COLUMNS} from ${table} where env = $1 and check_key = $2 order by recorded_at desc, id desc limit ${n}`, [env, key]);
      return rows.map(checkFromRow);
    },
    onTransition(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
