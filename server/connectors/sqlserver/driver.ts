/**
 * The part of mssql (on tedious) this connector uses, as a narrow interface: the real module is loaded
 * lazily (a missing driver disables SQL Server connections, not the server), and tests pass hand-written
 * fakes of the same shape.
 */
import { ConnectorError } from '../types';
import type { InputTypes } from './types';

/** A result column as mssql reports it with `arrayRowMode`. */
export interface MssqlColumn {
  readonly index?: number;
  readonly name: string;
  /** mssql's type factory; `declaration` is the T-SQL type name in lower case. */
  readonly type?: { readonly declaration?: string };
  readonly scale?: number;
  readonly precision?: number;
  readonly length?: number;
  readonly udt?: { readonly name?: string };
}

export interface MssqlRequest {
  stream: boolean;
  arrayRowMode: boolean;
  input(name: string, type: unknown, value: unknown): unknown;
  /** In stream mode results come as events; the promise only settles after `done`. */
  query(command: string): Promise<unknown>;
  pause(): boolean;
  resume(): boolean;
  cancel(): boolean;
  on(event: 'recordset', listener: (columns: MssqlColumn[]) => void): unknown;
  on(event: 'row', listener: (row: unknown[]) => void): unknown;
  on(event: 'rowsaffected', listener: (count: number) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'done', listener: () => void): unknown;
}

export interface MssqlTransaction {
  begin(isolationLevel?: number): Promise<unknown>;
  commit(): Promise<unknown>;
  rollback(): Promise<unknown>;
  /** mssql accepts per-request overrides here (its typings do not say so). */
  request(overrides?: { requestTimeout?: number }): MssqlRequest;
}

export interface MssqlPool {
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface MssqlDriverApi extends InputTypes {
  readonly ConnectionPool: new (config: Record<string, unknown>) => MssqlPool;
  readonly Transaction: new (pool: MssqlPool) => MssqlTransaction;
  readonly ISOLATION_LEVEL: { readonly READ_COMMITTED: number; readonly SNAPSHOT: number };
}

export async function loadMssqlDriver(): Promise<MssqlDriverApi> {
  let mod: MssqlDriverApi & { default?: MssqlDriverApi };
  try {
    mod = (await import('mssql')) as unknown as MssqlDriverApi & { default?: MssqlDriverApi };
  } catch (error) {
    throw new ConnectorError('unavailable', `The SQL Server driver could not be loaded: ${(error as Error).message.split('\n')[0]}`, 'Install it with npm install mssql (an optional dependency; on Node 20 it needs tedious 19, pinned in package.json overrides).');
  }
  // CommonJS built with Object.assign, so Node's ESM loader finds no named exports: use `default` when
  // present. The cast is the SDK boundary: @types/mssql lacks the per-request overrides used here.
  return mod.default ?? mod;
}
