/**
 * Oracle connector (node-oracledb in thin mode: pure JavaScript, no Instant Client). A pool per profile
 * (read, write); reads in SET TRANSACTION READ ONLY and always rolled back; native `:name` binds with
 * typed definitions; result-set streaming in batches, fetching no more until the sink takes the last;
 * `callTimeout` per round trip as the statement timeout; `connection.break()` to cancel; sessions that
 * were broken, timed out or lost are dropped so the pool opens fresh ones.
 */
import { unlessCancelled } from '../abandon';
import { ConnectorError, type RowSink, type SqlConnector, type StatementOutcome, type StatementRequest } from '../types';
import type { Mode } from '../../../plugins/remark-runbook/types';
import { oracleBinds } from './binds';
import type { OracleConnectionConfig } from './config';
import { BATCH, drain, reportNonQuery } from './drain';
import { loadOracleDriver, type OracleConnection, type OracleDriverApi, type OracleResultSet, type SessionCallback } from './driver';
import { toConnectorError } from './errors';
import { lazyPool, type LazyPool } from './pool';
import { prepareText } from './statement';
import { fetchTypeHandler, SESSION_SETUP } from './types';

export type { OracleConnectionConfig } from './config';
export { oracleConnectionSchema } from './config';

/** Oracle before 23ai has no FROM-less SELECT: the query --check-config should send. */
export const probeSql = 'select 1 from dual';

export interface OracleDeps {
  /** A stand-in for node-oracledb (tests). */
  readonly driver?: OracleDriverApi;
}

export async function openOracle(config: OracleConnectionConfig, deps: OracleDeps = {}): Promise<SqlConnector> {
  const driver = deps.driver ?? (await loadOracleDriver());
  const initSession: SessionCallback = (connection, _tag, done) => {
    connection.execute(SESSION_SETUP).then(() => done(), done);
  };
  const profiles = {
    read: lazyPool(driver, config, config.read, initSession),
    write: config.write ? lazyPool(driver, config, config.write, initSession) : null,
  };
  const executeOptions = {
    resultSet: true,
    outFormat: driver.OUT_FORMAT_ARRAY,
    fetchTypeHandler: fetchTypeHandler(driver),
    fetchArraySize: BATCH,
    prefetchRows: BATCH,
    autoCommit: false,
    dbObjectAsPojo: true,
  };
  let closed = false;
  /** Sessions being opened (or waited for), the cancelled runs' included. */
  let opening = 0;
  const settled = () => {
    opening -= 1;
  };

  function profileFor(mode: Mode): LazyPool {
    if (closed) throw new ConnectorError('unavailable', 'This Oracle connection is closed (the server is shutting down).');
    const profile = mode === 'read' ? profiles.read : profiles.write;
    if (!profile) {
      throw new ConnectorError('forbidden', 'This connection has no write profile; write snippets cannot run here.', 'Configure write: {user, password} for the connection, with a user allowed to write.');
    }
    return profile;
  }

  async function checkout(profile: LazyPool, request: StatementRequest): Promise<OracleConnection> {
    // node-oracledb cannot give up opening a session: a cancel ends the run's wait at once, and a session
    // that opens after it goes straight back to the pool, unused.
    const cancelled = `The run was cancelled while it waited for a connection to Oracle at ${config.connectString}; nothing ran.`;
    try {
      const pool = await unlessCancelled(profile.pool(), request.signal, () => undefined, cancelled);
      const attempt = pool.getConnection();
      opening += 1;
      attempt.then(settled, settled);
      const connection = await unlessCancelled(attempt, request.signal, (late) => late.close(), cancelled);
      connection.module = 'opsbook';
      connection.action = request.mode;
      return connection;
    } catch (error) {
      throw toConnectorError(error, context(config, request, 'connect', false));
    }
  }

  return {
    kind: 'oracle',
    dialect: 'oracle',
    async stream(request, sink) {
      const profile = profileFor(request.mode);
      const { text, binds } = oracleBinds(prepareText(request.text, request.mode), request.binds, driver);
      if (request.signal.aborted) throw new ConnectorError('cancelled', 'The run was cancelled before it started.');
      const connection = await checkout(profile, request);
      return runOn(connection, { text, binds, executeOptions, request, sink, config });
    },
    async close() {
      closed = true;
      const closing = Promise.allSettled([profiles.read.close(), profiles.write?.close()]);
      // node-oracledb's pool.close() waits for a session it is still opening, up to connectTimeoutMs (a
      // listener that never answers): the pools then close once it settles, without making shutdown wait.
      if (opening === 0) await closing;
    },
  };
}

interface Run {
  readonly text: string;
  readonly binds: ReturnType<typeof oracleBinds>['binds'];
  readonly executeOptions: Record<string, unknown>;
  readonly request: StatementRequest;
  readonly sink: RowSink;
  readonly config: OracleConnectionConfig;
}

async function runOn(connection: OracleConnection, run: Run): Promise<StatementOutcome> {
  const { request } = run;
  let cancelled = false;
  // A break sent while no call is in flight would land on the next call, so only interrupt a live one;
  // between calls the flag stops the run at the next step.
  let inCall = false;
  const onAbort = () => {
    cancelled = true;
    if (inCall) void connection.break().catch(() => undefined);
  };
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (cancelled) throw new ConnectorError('cancelled', 'The run was cancelled.');
    inCall = true;
    try {
      return await fn();
    } finally {
      inCall = false;
    }
  };
  request.signal.addEventListener('abort', onAbort, { once: true });
  if (request.signal.aborted) onAbort();
  let resultSet: OracleResultSet | null = null;
  let ended = false;
  let drop = false;
  try {
    connection.callTimeout = Math.max(1, Math.trunc(request.timeoutMs));
    if (request.mode === 'read') await call(() => connection.execute('SET TRANSACTION READ ONLY'));
    const result = await call(() => connection.execute(run.text, run.binds, run.executeOptions));
    let outcome: StatementOutcome;
    if (result.resultSet) {
      resultSet = result.resultSet;
      outcome = await drain(resultSet, result.resultSet.metaData ?? result.metaData ?? [], request.maxRows, run.sink, call);
      const open = resultSet;
      resultSet = null;
      await call(() => open.close());
    } else {
      outcome = await reportNonQuery(result.rowsAffected, run.sink);
    }
    await call(() => (request.mode === 'read' ? connection.rollback() : connection.commit()));
    ended = true;
    return outcome;
  } catch (error) {
    // Once the user cancelled, whatever the interrupted call reports is a consequence of the cancel.
    const mapped = cancelled
      ? new ConnectorError('cancelled', 'The run was cancelled; the statement was interrupted on the server.')
      : toConnectorError(error, context(run.config, request, 'run', false));
    // After a break, a timeout or a lost network the session's state is uncertain: do not reuse it.
    if (mapped.code !== 'connector_error') drop = true;
    throw mapped;
  } finally {
    request.signal.removeEventListener('abort', onAbort);
    // A dropped session takes its cursor with it; closing it would be one more call on an uncertain session.
    if (resultSet && !drop) await resultSet.close().catch(() => (drop = true));
    if (!ended && !drop) await connection.rollback().catch(() => (drop = true));
    await connection.close(drop ? { drop: true } : {}).catch(() => undefined);
  }
}

function context(config: OracleConnectionConfig, request: Pick<StatementRequest, 'mode' | 'timeoutMs'>, phase: 'connect' | 'run', cancelled: boolean) {
  const mode: Mode = request.mode;
  const user = (mode === 'write' ? config.write?.user : config.read.user) ?? config.read.user;
  return { phase, mode, timeoutMs: request.timeoutMs, cancelled, connectString: config.connectString, user };
}
