/**
 * A table a store module creates on first use: the DDL runs once per process. Two instances preparing at once
 * race on `create table if not exists` (PostgreSQL can fail the loser on its catalog), so a failure is tried once
 * more at once, and a failure that stays (the store is down) is forgotten, so the next use prepares again
 * instead of failing for ever.
 */
import type { SqlExec } from './sqlStore';

export function tableOnce(exec: Pick<SqlExec, 'query'>, ddl: string): () => Promise<void> {
  let ready: Promise<void> | null = null;
  return () => {
    ready ??= exec.query(ddl).catch(() => exec.query(ddl)).then(
      () => undefined,
      (error: unknown) => {
        ready = null;
        throw error;
      },
    );
    return ready;
  };
}
