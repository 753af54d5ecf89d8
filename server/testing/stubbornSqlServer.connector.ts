/**
 * Test only: what server/testing/stubbornSqlServer.ts puts in place of the SQL Server connector. Its runs
 * never end and it ignores their cancel, and closing it waits for them, the way a driver stuck in a
 * call that cannot be interrupted would. It says in the log when it is used, so a test whose substitution silently stopped working fails
 * instead of passing for the wrong reason.
 */
import type { SqlConnector } from '../connectors/types';

export const probeSql = 'select 1';

export async function openSqlServer(): Promise<SqlConnector> {
  return {
    kind: 'sqlserver',
    dialect: 'sqlserver',
    stream(request) {
      console.error('test connector: a run started; it never ends and ignores its cancel');
      request.signal.addEventListener('abort', () => console.error('test connector: cancel ignored'), { once: true });
      return new Promise(() => undefined);
    },
    close() {
      // Waits for the run that never ends, as a driver that will not close a pool under a busy call would.
      console.error('test connector: close waits for the run');
      return new Promise(() => undefined);
    },
  };
}
