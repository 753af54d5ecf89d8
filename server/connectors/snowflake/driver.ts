/**
 * The SDK boundary: snowflake-sdk is an optional dependency, loaded on first use so a missing or
 * broken driver disables Snowflake connections only. The few driver shapes Opsbook touches are typed
 * here by hand, so the server typechecks whether or not the package is installed.
 */
import type { Readable } from 'node:stream';
import { ConnectorError } from '../types';

export interface SfError extends Error {
  /** GS codes arrive as strings ('001003'), driver codes as numbers (401001). */
  readonly code?: string | number;
  readonly sqlState?: string;
  readonly data?: { readonly queryId?: string } | null;
  readonly cause?: unknown;
  readonly isFatal?: boolean;
}

export interface SfColumn {
  getName(): string;
  getType(): string;
  getScale(): number;
  getPrecision(): number;
}

export interface SfSessionState {
  getCurrentRole(): string | undefined;
  getCurrentWarehouse(): string | undefined;
  getCurrentDatabase(): string | undefined;
  getCurrentSchema(): string | undefined;
}

export interface SfStatement {
  getColumns(): SfColumn[] | undefined;
  getNumRows(): number | undefined;
  getQueryId(): string | undefined;
  getSessionState(): SfSessionState | undefined;
  cancel(callback?: (err: SfError | undefined) => void): void;
  streamRows(options?: { start?: number; end?: number }): Readable;
}

export type SfBind = string | number | boolean | null;

export interface SfExecuteOptions {
  sqlText: string;
  binds?: SfBind[];
  parameters?: Record<string, string | number | boolean>;
  streamResult: true;
  rowMode: 'array';
  fetchAsString?: ('Number' | 'Date' | 'Buffer' | 'JSON' | 'Boolean' | 'String')[];
  complete(err: SfError | undefined, statement: SfStatement): void;
}

export interface SfConnection {
  connect(callback: (err: SfError | undefined) => void): void;
  execute(options: SfExecuteOptions): SfStatement;
  destroy(callback: (err: SfError | undefined) => void): void;
  isUp(): boolean;
}

/** The subset of the driver's connection options Opsbook sets. */
export interface SfConnectionOptions {
  account: string;
  accessUrl?: string;
  username: string;
  role: string;
  warehouse: string;
  database: string;
  schema?: string;
  password?: string;
  authenticator?: 'SNOWFLAKE_JWT';
  privateKey?: string;
  privateKeyPass?: string;
  application: string;
  /** Nulls stay null: the driver's default turns null into the string 'NULL' under fetchAsString. */
  representNullAsStringNull: false;
  rowStreamHighWaterMark: number;
  /** Fail fast: the run is waiting, and the next run reconnects anyway. */
  sfRetryMaxLoginRetries: number;
  /** HTTP timeout of one request, ms. */
  timeout: number;
}

export interface SnowflakeSdk {
  createConnection(options: SfConnectionOptions): SfConnection;
  configure(options: Record<string, unknown>): void;
}

let loading: Promise<SnowflakeSdk> | null = null;

export function loadSnowflakeSdk(): Promise<SnowflakeSdk> {
  loading ??= load().catch((error: unknown) => {
    loading = null; // an `npm install` later should be picked up by the next open
    throw error;
  });
  return loading;
}

async function load(): Promise<SnowflakeSdk> {
  // A variable specifier keeps TypeScript from resolving the optional package at compile time.
  const specifier: string = 'snowflake-sdk';
  // The driver pulls in the AWS SDK (for stage PUT/GET, which Opsbook never does), whose import warns
  // on Node 20 about its 2027 releases; an explicit setting from the operator still wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let mod: { default?: unknown };
  try {
    mod = (await import(specifier)) as { default?: unknown };
  } catch (error) {
    throw new ConnectorError(
      'unavailable',
      `The Snowflake driver (snowflake-sdk) cannot be loaded: ${(error as Error).message.split('\n')[0]}`,
      'Install it with npm install snowflake-sdk (an optional dependency); other connections keep working.',
    );
  }
  // The SDK boundary: the CommonJS module arrives as its default export, typed by the interfaces
  // above rather than by the optional package's own declarations.
  const sdk = (mod.default ?? mod) as SnowflakeSdk;
  sdk.configure({
    // The driver logs INFO to ./snowflake.log by default; keep only errors, on stderr. Its messages
    // are secret-masked, and it logs no statement parameters at this level.
    logLevel: 'ERROR',
    customLogger: {
      error: (message: string) => console.error(`[snowflake-sdk] ${message}`),
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      trace: () => undefined,
    },
    // VARIANT values that are not JSON fall back to eval-based parsing in the driver; refuse them
    // instead (the XML fallback still applies).
    jsonColumnVariantParser: (raw: string) => JSON.parse(raw) as unknown,
  });
  return sdk;
}
