/**
 * Snowflake connector (DESIGN.md §6.2). Read snippets run on the read profile's session, as its role;
 * writes need the write profile and run as the write role.
 *
 * Read-only is enforced by the read role alone: Snowflake has no read-only session or transaction,
 * so the read role must hold nothing but USAGE and SELECT grants, and the read user no other role
 * (USE ROLE / USE SECONDARY ROLES can only reach roles granted to the user). The statement checks in
 * sql.ts and the session-drift check after each run are courtesies on top, not the boundary.
 *
 * Each statement carries its own parameters — QUERY_TAG naming runbook, snippet and user,
 * STATEMENT_TIMEOUT_IN_SECONDS, MULTI_STATEMENT_COUNT=1 — so pooled sessions hold no per-run state.
 */
import type { Cell } from '../../protocol';
import { ConnectorError, type PreviewRequest, type RowSink, type SqlConnector, type StatementOutcome, type StatementPreview, type StatementRequest } from '../types';
import type { SnowflakeConnectionConfig } from './config';
import { driverOptions, type ProfileName } from './credentials';
import { loadSnowflakeSdk } from './driver';
import { cancelledError, isLostSession } from './errors';
import { RunFailed, runStatement, type StatementRun } from './execute';
import { normalizeQueryTag, snowflakeQueryTag } from './queryTag';
import { SessionPool, openSession } from './sessions';
import { refuseSessionStatements, toSnowflakeSql } from './sql';

export { snowflakeConnectionSchema, type SnowflakeConnectionConfig } from './config';
export { snowflakeQueryTag, type QueryTagInput } from './queryTag';

/** A statement request that may name the run in Snowflake's query history. */
/** Internal: a statement with its QUERY_TAG already rendered (previews label themselves). */
type SnowflakeStatementRequest = Omit<StatementRequest, 'queryTag'> & { readonly queryTag?: StatementRequest['queryTag'] | string };

export interface SnowflakeConnectorOptions {
  readonly connection: SnowflakeConnectionConfig;
  /** Where relative privateKeyPath values start: the site directory. Default: the working directory. */
  readonly baseDir?: string;
  /** Idle sessions are logged out after this many ms. Default 5 minutes. */
  readonly idleMs?: number;
}

export interface ProfileCheck {
  readonly profile: ProfileName;
  readonly ok: boolean;
  readonly detail: string;
}

export interface SnowflakeConnector extends SqlConnector {
  stream(request: SnowflakeStatementRequest, sink: RowSink): Promise<StatementOutcome>;
  /** For --check-config: logs each profile in and says as whom, or why not. */
  check(): Promise<readonly ProfileCheck[]>;
}

const DEFAULTS = { poolMax: 4, idleMs: 5 * 60_000 };

export async function openSnowflake(options: SnowflakeConnectorOptions): Promise<SnowflakeConnector> {
  const { connection } = options;
  const sdk = await loadSnowflakeSdk();
  const baseDir = options.baseDir ?? process.cwd();
  const endpoint = connection.accessUrl ?? `https://${connection.account}.snowflakecomputing.com`;
  const max = connection.poolMax ?? DEFAULTS.poolMax;
  const idleMs = options.idleMs ?? DEFAULTS.idleMs;
  // Credentials are checked now (a key file that cannot be read fails the open, by name); sessions
  // open on first use.
  const readOptions = await driverOptions(connection, connection.read, 'read', baseDir);
  const writeOptions = connection.write ? await driverOptions(connection, connection.write, 'write', baseDir) : null;
  const pools: Record<ProfileName, SessionPool | null> = {
    read: new SessionPool(() => openSession(sdk, readOptions, 'read', endpoint), max, idleMs),
    write: writeOptions ? new SessionPool(() => openSession(sdk, writeOptions, 'write', endpoint), max, idleMs) : null,
  };
  const roles: Record<ProfileName, string> = { read: connection.read.role, write: connection.write?.role ?? '' };

  function poolFor(mode: ProfileName): SessionPool {
    const pool = pools[mode];
    if (!pool) {
      throw new ConnectorError('forbidden', 'This Snowflake connection has no write profile; write snippets cannot run here.', 'Add write: {user, role, password | privateKeyPath} to the connection, with a role allowed to write.');
    }
    return pool;
  }

  /** Runs one statement, retrying once on a fresh session when the pooled one turns out to be gone. */
  async function run(request: SnowflakeStatementRequest, sink: RowSink): Promise<StatementOutcome> {
    if (request.signal.aborted) throw cancelledError();
    const pool = poolFor(request.mode);
    refuseSessionStatements(request.text);
    const statement: StatementRun = {
      sql: toSnowflakeSql(request.text, request.binds),
      queryTag: normalizeQueryTag(typeof request.queryTag === 'object' ? snowflakeQueryTag(request.queryTag) : request.queryTag),
      mode: request.mode,
      role: roles[request.mode],
      signal: request.signal,
      timeoutMs: request.timeoutMs,
      maxRows: request.maxRows,
    };
    for (let attempt = 0; ; attempt++) {
      const session = await pool.acquire(request.signal);
      try {
        const result = await runStatement(session, statement, sink);
        pool.release(session, result.reusable);
        return result.outcome;
      } catch (error) {
        if (!(error instanceof RunFailed)) {
          pool.release(session, false);
          throw error;
        }
        pool.release(session, error.reusable);
        // A session found gone before Snowflake accepted the statement never ran it, so a fresh session
        // may; a read is safe to repeat in any case, a write that may have run is not.
        if (attempt === 0 && isLostSession(error.raw) && (request.mode === 'read' || !error.accepted)) continue;
        throw error.error;
      }
    }
  }

  return {
    kind: 'snowflake',
    dialect: 'snowflake',
    stream: run,
    async preview(request: PreviewRequest): Promise<StatementPreview> {
      // EXPLAIN compiles without executing, so it is safe on the write role too.
      const rows: Cell[] = [];
      await run(
        { text: `EXPLAIN USING TEXT ${request.text}`, binds: request.binds, mode: request.mode, signal: new AbortController().signal, timeoutMs: request.timeoutMs, maxRows: 10_000, queryTag: JSON.stringify({ app: 'opsbook', purpose: 'preview' }) },
        { columns: () => undefined, rows: async (batch) => void rows.push(...batch.map((r) => r[0] ?? null)) },
      );
      return {
        plan: rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') || null,
        affectedRows: null,
        note: request.mode === 'write' ? 'Snowflake is not run to count rows before approval; the plan shows what the statement would scan.' : 'A read: nothing changes.',
      };
    },
    async check() {
      const out: ProfileCheck[] = [];
      for (const profile of ['read', 'write'] as const) {
        const pool = pools[profile];
        if (!pool) continue;
        try {
          const session = await pool.acquire(new AbortController().signal);
          const b = session.baseline;
          pool.release(session, true);
          out.push({ profile, ok: true, detail: `role ${b.role ?? '?'}, warehouse ${b.warehouse ?? '(none)'}, database ${b.database ?? '(none)'}` });
        } catch (error) {
          out.push({ profile, ok: false, detail: (error as Error).message });
        }
      }
      return out;
    },
    async close() {
      await Promise.allSettled([pools.read?.close(), pools.write?.close()]);
    },
  };
}
