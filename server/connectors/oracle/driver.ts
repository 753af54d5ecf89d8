/**
 * The part of node-oracledb this connector uses, as a narrow interface: the real module is loaded
 * lazily (a missing driver disables Oracle connections, not the server), and tests pass a hand-written
 * fake of the same shape.
 */
import { ConnectorError } from '../types';
import type { BindTypes, OracleBind } from './binds';
import type { FetchTypes, OracleColumnMeta } from './types';

export interface OracleResultSet {
  readonly metaData?: readonly OracleColumnMeta[];
  getRows(count: number): Promise<unknown[][]>;
  close(): Promise<void>;
}

export interface OracleExecuteResult {
  readonly resultSet?: OracleResultSet;
  readonly metaData?: readonly OracleColumnMeta[];
  readonly rowsAffected?: number;
}

export interface OracleConnection {
  /** Milliseconds per round trip; the driver breaks the call when it expires (NJS-123). */
  callTimeout?: number;
  /** End-to-end tracing: shows in V$SESSION.MODULE / ACTION for the DBA. */
  module?: string;
  action?: string;
  execute(sql: string, binds?: Record<string, OracleBind>, options?: Record<string, unknown>): Promise<OracleExecuteResult>;
  break(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(options?: { drop?: boolean }): Promise<void>;
}

export interface OraclePool {
  getConnection(): Promise<OracleConnection>;
  close(drainTimeSeconds?: number): Promise<void>;
}

export type SessionCallback = (connection: OracleConnection, requestedTag: string, done: (error?: Error) => void) => void;

export interface OracleDriverApi extends BindTypes, FetchTypes {
  readonly OUT_FORMAT_ARRAY: number;
  createPool(attributes: Record<string, unknown>): Promise<OraclePool>;
}

export async function loadOracleDriver(): Promise<OracleDriverApi> {
  let mod: OracleDriverApi & { default?: OracleDriverApi };
  try {
    mod = (await import('oracledb')) as unknown as OracleDriverApi & { default?: OracleDriverApi };
  } catch (error) {
    throw new ConnectorError('unavailable', `The Oracle driver could not be loaded: ${(error as Error).message.split('\n')[0]}`, 'Install it with npm install oracledb (an optional dependency); thin mode needs no Oracle client libraries.');
  }
  // A CommonJS module: `default` under Node's ESM loader, the module itself where tsx compiles to CJS.
  // The cast is the SDK boundary: @types/oracledb's overloads (callbacks, generics) are wider than this.
  return mod.default ?? mod;
}
