/**
 * SQL Server connector (mssql on tedious 19). A pool per profile (read, write); `:name` placeholders
 * sent as typed `@name` parameters; streamed rows with pause/resume backpressure; the request timeout
 * as the statement timeout; `request.cancel()` (a TDS attention) to cancel.
 *
 * SQL Server has no read-only transaction. What guarantees that a read cannot write is the read
 * profile's login having read permissions only. On top of that every snippet runs in a transaction:
 * reads are always rolled back (a mistaken write on a too-broad login leaves nothing behind, unless the
 * snippet commits itself), writes commit only when the snippet kept its transactions balanced. With
 * `readOnlyIntent` an Availability Group routes reads to a secondary, which refuses writes outright.
 */
import { rewritePlaceholders } from '../../../plugins/remark-runbook/syntax/sqlPlaceholders';
import type { Mode } from '../../../plugins/remark-runbook/types';
import { unlessCancelled } from '../abandon';
import { ConnectorError, type RowSink, type SqlConnector, type StatementOutcome, type StatementRequest } from '../types';
import type { SqlServerConnectionConfig } from './config';
import { loadMssqlDriver, type MssqlDriverApi, type MssqlPool, type MssqlRequest, type MssqlTransaction } from './driver';
import { toConnectorError, type ErrorContext } from './errors';
import { CONTROL_TIMEOUT_MS, lazyPool, type LazyPool } from './pool';
import { pump } from './pump';
import { mssqlInput, type Input } from './types';

export type { SqlServerConnectionConfig } from './config';
export { sqlserverConnectionSchema } from './config';

/** The query --check-config should send with each profile. */
export const probeSql = 'select 1';

export interface SqlServerDeps {
  /** A stand-in for mssql (tests). */
  readonly driver?: MssqlDriverApi;
}

export async function openSqlServer(config: SqlServerConnectionConfig, deps: SqlServerDeps = {}): Promise<SqlConnector> {
  const driver = deps.driver ?? (await loadMssqlDriver());
  const profiles = {
    read: lazyPool(driver, config, 'read'),
    write: config.write ? lazyPool(driver, config, 'write') : null,
  };
  let closed = false;

  function profileFor(mode: Mode): LazyPool {
    if (closed) throw new ConnectorError('unavailable', 'This SQL Server connection is closed (the server is shutting down).');
    const profile = mode === 'read' ? profiles.read : profiles.write;
    if (!profile) {
      throw new ConnectorError('forbidden', 'This connection has no write profile; write snippets cannot run here.', 'Configure write: {user, password} for the connection, with a login allowed to write.');
    }
    return profile;
  }

  return {
    kind: 'sqlserver',
    dialect: 'sqlserver',
    async stream(request, sink) {
      const profile = profileFor(request.mode);
      const { text, order } = rewritePlaceholders(request.text, 'at-name');
      const inputs = order.map((name) => mssqlInput(name, request.binds[name], driver));
      if (request.signal.aborted) throw new ConnectorError('cancelled', 'The run was cancelled before it started.');
      let pool: MssqlPool;
      try {
        // mssql cannot give up a connect: the attempt runs on (to connectTimeoutMs) for the next run, and a
        // pool that connects after the cancel simply stays open for it.
        pool = await unlessCancelled(profile.pool(), request.signal, () => undefined, connectingCancelled(config));
      } catch (error) {
        throw toConnectorError(error, context(config, request, 'connect', false));
      }
      return runIn(new driver.Transaction(pool), { text, inputs, request, sink, config, driver });
    },
    async close() {
      closed = true;
      await Promise.allSettled([profiles.read.close(), profiles.write?.close()]);
    },
  };
}

interface Run {
  readonly text: string;
  readonly inputs: readonly Input[];
  readonly request: StatementRequest;
  readonly sink: RowSink;
  readonly config: SqlServerConnectionConfig;
  readonly driver: MssqlDriverApi;
}

async function runIn(tx: MssqlTransaction, run: Run): Promise<StatementOutcome> {
  const { request, config, driver } = run;
  let cancelled = false;
  let current: MssqlRequest | null = null;
  const onAbort = () => {
    cancelled = true;
    current?.cancel();
  };
  request.signal.addEventListener('abort', onAbort, { once: true });
  let phase: 'connect' | 'run' = 'connect';
  let began = false;
  let ended = false;
  try {
    const isolation = request.mode === 'read' && config.readIsolation === 'snapshot' ? driver.ISOLATION_LEVEL.SNAPSHOT : driver.ISOLATION_LEVEL.READ_COMMITTED;
    // BEGIN borrows a connection, which may mean opening one: a cancel ends the wait, and a transaction
    // that begins after it is rolled back, which gives its connection back to the pool unused.
    await unlessCancelled(tx.begin(isolation), request.signal, () => tx.rollback(), connectingCancelled(config));
    began = true;
    phase = 'run';
    if (cancelled || request.signal.aborted) throw new ConnectorError('cancelled', 'The run was cancelled.');
    const statement = tx.request({ requestTimeout: Math.max(1, Math.trunc(request.timeoutMs)) });
    statement.stream = true;
    statement.arrayRowMode = true;
    for (const input of run.inputs) statement.input(input.name, input.type, input.value);
    current = statement;
    const outcome = await pump(statement, run.text, { maxRows: request.maxRows, mode: request.mode, sink: run.sink });
    current = null;
    if (cancelled) throw new ConnectorError('cancelled', 'The run was cancelled.');
    if (request.mode === 'read') {
      await tx.rollback();
    } else {
      await ensureBalanced(tx);
      if (cancelled) throw new ConnectorError('cancelled', 'The run was cancelled before its changes were committed.');
      await tx.commit();
    }
    ended = true;
    return outcome;
  } catch (error) {
    if (error instanceof ConnectorError && error.code === 'cancelled') throw error;
    if (cancelled) throw new ConnectorError('cancelled', 'The run was cancelled; the statement was cancelled on the server.');
    throw toConnectorError(error, context(config, request, phase, false));
  } finally {
    request.signal.removeEventListener('abort', onAbort);
    if (began && !ended) await tx.rollback().catch(() => undefined);
  }
}

/**
 * COMMIT only ends one level of nesting: a write snippet that opened a transaction of its own and left
 * it open would go back to the pool still inside it. Refuse to commit then; the rollback undoes all.
 */
async function ensureBalanced(tx: MssqlTransaction): Promise<void> {
  const check = tx.request({ requestTimeout: CONTROL_TIMEOUT_MS });
  const result = (await check.query('select @@TRANCOUNT as depth')) as { recordset?: { depth?: number }[] };
  const depth = result.recordset?.[0]?.depth;
  if (depth !== 1) {
    throw new ConnectorError(
      'connector_error',
      depth === 0 ? 'The snippet ended Opsbook\'s transaction with its own COMMIT or ROLLBACK.' : `The snippet left ${(depth ?? 1) - 1} transaction(s) open; nothing was committed.`,
      'Remove BEGIN TRANSACTION / COMMIT / ROLLBACK from the snippet: Opsbook runs each snippet in one transaction and commits it.',
      '266',
    );
  }
}

function connectingCancelled(config: SqlServerConnectionConfig): string {
  return `The run was cancelled while it waited for a connection to SQL Server at ${target(config)}; nothing ran.`;
}

function target(config: SqlServerConnectionConfig): string {
  const host = config.instanceName ? `${config.server}\\${config.instanceName}` : `${config.server}:${config.port ?? 1433}`;
  return `${host}/${config.database}`;
}

function context(config: SqlServerConnectionConfig, request: Pick<StatementRequest, 'mode' | 'timeoutMs'>, phase: 'connect' | 'run', cancelled: boolean): ErrorContext {
  const user = (request.mode === 'write' ? config.write?.user : undefined) ?? config.read.user;
  return { phase, mode: request.mode, timeoutMs: request.timeoutMs, cancelled, target: target(config), user };
}
