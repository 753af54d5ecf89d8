/**
 * A hand-written stand-in for node-oracledb, shaped like the driver's own objects, that records what
 * the connector asks of it. `hang` makes a call wait until the connector breaks it (ORA-01013) or its
 * callTimeout passes (NJS-123), as the thin driver does.
 */
import type { OracleBind } from '../binds';
import type { OracleConnection, OracleDriverApi, OracleExecuteResult, OraclePool, OracleResultSet } from '../driver';
import type { OracleColumnMeta } from '../types';

export interface ExecuteScript {
  /** Rows of the query's result set; absent for DML. */
  readonly rows?: readonly unknown[][];
  readonly metaData?: readonly OracleColumnMeta[];
  readonly rowsAffected?: number;
  /** Fail the execute with this driver-shaped error. */
  readonly error?: Record<string, unknown>;
  /** Make the execute (or, with `rows`, the second getRows) wait for a break or the call timeout. */
  readonly hang?: 'execute' | 'fetch';
  /** Fail the second getRows with this driver-shaped error (the connection lost in the middle of the result). */
  readonly fetchError?: Record<string, unknown>;
}

export interface FakeOracle {
  readonly driver: OracleDriverApi;
  readonly log: string[];
  readonly poolAttributes: Record<string, unknown>[];
  readonly executed: { sql: string; binds?: Record<string, OracleBind>; options?: Record<string, unknown> }[];
  /** getRows calls still waiting for a result. */
  pendingFetches: number;
  /** While set, getConnection() waits for it: a listener that accepts and has not answered yet. */
  connectGate: Promise<void> | null;
}

export const TYPES = {
  DB_TYPE_DATE: { name: 'DB_TYPE_DATE' },
  DB_TYPE_NUMBER: { name: 'DB_TYPE_NUMBER' },
  DB_TYPE_VARCHAR: { name: 'DB_TYPE_VARCHAR' },
  DB_TYPE_RAW: { name: 'DB_TYPE_RAW' },
};

export function oraError(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code, ...(code.startsWith('ORA-') ? { errorNum: Number(code.slice(4)) } : {}), ...extra });
}

export function fakeOracle(script: (sql: string) => ExecuteScript = () => ({ rows: [] }), options: { connectError?: Error } = {}): FakeOracle {
  const fake: FakeOracle = { driver: undefined as unknown as OracleDriverApi, log: [], poolAttributes: [], executed: [], pendingFetches: 0, connectGate: null };
  let sessions = 0;

  function connection(): OracleConnection {
    const id = ++sessions;
    let interrupt: ((error: Error) => void) | null = null;
    const conn: OracleConnection = {
      callTimeout: 0,
      async execute(sql, binds, opts) {
        fake.log.push(`execute ${sql.split('\n')[0]}`);
        fake.executed.push({ sql, binds, options: opts });
        const step = script(sql);
        if (step.hang === 'execute') await hang();
        if (step.error) throw Object.assign(new Error(String(step.error.message)), step.error);
        if (!step.rows) return { rowsAffected: step.rowsAffected } satisfies OracleExecuteResult;
        return { metaData: step.metaData ?? [], resultSet: resultSet(step) };
      },
      async break() {
        fake.log.push('break');
        interrupt?.(oraError('ORA-01013', 'user requested cancel of current operation'));
      },
      async commit() {
        fake.log.push('commit');
      },
      async rollback() {
        fake.log.push('rollback');
      },
      async close(opts) {
        fake.log.push(opts?.drop ? `drop #${id}` : `release #${id}`);
      },
    };

    function hang(): Promise<never> {
      return new Promise((_, reject) => {
        const timer = conn.callTimeout ? setTimeout(() => reject(Object.assign(new Error(`NJS-123: call timeout of ${conn.callTimeout} ms exceeded`), { code: 'NJS-123' })), conn.callTimeout) : null;
        interrupt = (error) => {
          if (timer) clearTimeout(timer);
          interrupt = null;
          reject(error);
        };
      });
    }

    function resultSet(step: ExecuteScript): OracleResultSet {
      let at = 0;
      let fetches = 0;
      return {
        metaData: step.metaData ?? [],
        async getRows(n) {
          fake.log.push(`getRows ${n}`);
          fake.pendingFetches++;
          try {
            fetches++;
            if (step.hang === 'fetch' && fetches === 2) await hang();
            if (step.fetchError && fetches === 2) throw Object.assign(new Error(String(step.fetchError.message)), step.fetchError);
            const rows = step.rows!.slice(at, at + n);
            at += rows.length;
            return rows.map((r) => [...r]);
          } finally {
            fake.pendingFetches--;
          }
        },
        async close() {
          fake.log.push('close resultSet');
        },
      };
    }
    return conn;
  }

  const driver: OracleDriverApi = {
    ...TYPES,
    OUT_FORMAT_ARRAY: 4001,
    async createPool(attributes) {
      fake.log.push('createPool');
      fake.poolAttributes.push(attributes);
      const pool: OraclePool = {
        async getConnection() {
          if (fake.connectGate) {
            fake.log.push('connecting');
            await fake.connectGate;
          }
          if (options.connectError) throw options.connectError;
          const conn = connection();
          fake.log.push('getConnection');
          const init = attributes.sessionCallback as ((c: OracleConnection, tag: string, done: (e?: Error) => void) => void) | undefined;
          if (init) await new Promise<void>((resolve, reject) => init(conn, '', (e) => (e ? reject(e) : resolve())));
          return conn;
        },
        async close(drain) {
          fake.log.push(`closePool ${drain}`);
        },
      };
      return pool;
    },
  };
  return Object.assign(fake, { driver });
}
