/**
 * The push bus for a state store (see types.ts for the API): PostgreSQL LISTEN/NOTIFY when instances share
 * a PostgreSQL store, in-process with the embedded DuckDB store (one process owns that file).
 */
import type { StateStore } from '../audit/types';
import { inProcessBus } from './inProcess';
import { postgresBus } from './postgres';
import type { PushBus } from './types';

export { pushTopic, type PushBus, type PushTopic } from './types';
export { inProcessBus } from './inProcess';

export function openPushBus(store: StateStore, log: (message: string) => void): PushBus {
  const sql = store.sql;
  if (sql?.engine === 'postgres' && sql.url && sql.schema) return postgresBus({ url: sql.url, schema: sql.schema, exec: sql.exec, log });
  return inProcessBus(log);
}
