/**
 * Databricks SQL connector (DESIGN.md §6.2): snippets run on one SQL warehouse through the Statement
 * Execution API 2.0, read snippets with the read profile's token, writes with the write profile's.
 *
 * Databricks has no read-only transaction or session: every statement autocommits with whatever its
 * principal may do. So the read boundary is the read token alone — it must belong to a principal
 * (ideally a service principal) granted nothing but USE CATALOG / USE SCHEMA / SELECT, plus CAN USE on
 * the warehouse. --check-config says so for every read profile.
 */
import { ConnectorError, type RowSink, type SqlConnector, type StatementOutcome, type StatementRequest } from '../types';
import type { DatabricksConnectionConfig } from './config';
import { runStatement, type StatementTarget } from './execute';
import { DatabricksHttp, realSleep, type Sleep } from './http';

export { databricksConnectionSchema, type DatabricksConnectionConfig } from './config';

export { DATABRICKS_READ_NOTE } from './readBoundary';

export interface DatabricksConnectorOptions {
  readonly connection: DatabricksConnectionConfig;
  /** Waits between polls and before retrying a throttled call; tests pass one that returns at once. */
  readonly sleep?: Sleep;
}

export async function openDatabricks(options: DatabricksConnectorOptions): Promise<SqlConnector> {
  const c = options.connection;
  if (c.demo || !c.host || !c.read) {
    throw new ConnectorError('unavailable', 'The demo Databricks runs DLT pipeline blocks only; it has no SQL warehouse.', 'Run SQL on the demo warehouse (target=warehouse), or give this connection host, warehouseId and read: {token}.');
  }
  if (!c.warehouseId) {
    throw new ConnectorError('unavailable', 'This Databricks connection has no warehouseId, so sql blocks cannot run on it (it serves DLT pipeline blocks).', 'Set warehouseId: the id of the SQL warehouse (the last part of its HTTP path /sql/1.0/warehouses/<id>).');
  }
  const sleep = options.sleep ?? realSleep;
  const clients = {
    read: new DatabricksHttp({ host: c.host, token: c.read.token, sleep }),
    write: c.write ? new DatabricksHttp({ host: c.host, token: c.write.token, sleep }) : null,
  };
  const target: StatementTarget = {
    warehouseId: c.warehouseId,
    ...(c.catalog ? { catalog: c.catalog } : {}),
    ...(c.schema ? { schema: c.schema } : {}),
    host: c.host,
    waitTimeoutSeconds: c.waitTimeoutSeconds ?? 10,
    pollMs: c.pollMs ?? 1000,
    sleep,
  };
  return {
    kind: 'databricks',
    dialect: 'databricks',
    stream(request: StatementRequest, sink: RowSink): Promise<StatementOutcome> {
      const http = request.mode === 'write' ? clients.write : clients.read;
      if (!http) {
        return Promise.reject(new ConnectorError('forbidden', 'This Databricks connection has no write profile; write snippets cannot run here.', 'Add write: {token: "${DATABRICKS_WRITE_TOKEN}"} to the connection, the token of a principal allowed to write.'));
      }
      return runStatement(http, target, request, sink);
    },
    async close() {
      // Stateless REST: nothing stays open between statements.
    },
  };
}
