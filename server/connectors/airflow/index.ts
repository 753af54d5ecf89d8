/**
 * The Airflow connector (DESIGN.md §6.3): a REST client for Airflow 2 (`/api/v1`, basic auth) or
 * Airflow 3 (`/api/v2`, JWT from `POST /auth/token`), chosen by the connection's `api`.
 */
import fs from 'node:fs';
import { basicAuth, tokenAuth, type Credentials } from './auth';
import { createCaller } from './caller';
import { createHttpClient } from './http';
import type { AirflowApi, AirflowClient } from './types';
import { airflowV1 } from './v1';
import { airflowV2 } from './v2';

export type { AirflowClient } from './types';

export interface AirflowClientOptions {
  /** Webserver root, e.g. https://airflow.internal (the client adds /api/v1 or /api/v2). */
  readonly url: string;
  readonly api: AirflowApi;
  readonly auth: Credentials;
  /** `ca`: PEM text, or a path to a PEM file. */
  readonly tls?: { readonly ca?: string; readonly rejectUnauthorized?: boolean };
  /** Per request attempt; default 30 s. */
  readonly timeoutMs?: number;
  /** Extra attempts for reads after a 5xx or a connection error; default 3. */
  readonly retries?: number;
  /** First retry delay, doubling; default 250 ms. */
  readonly backoffMs?: number;
  readonly now?: () => number;
}

export const CLIENT_DEFAULTS = { timeoutMs: 30_000, retries: 3, backoffMs: 250 } as const;

export function createAirflowClient(options: AirflowClientOptions): AirflowClient {
  const ca = options.tls?.ca;
  const tls = options.tls
    ? { ...options.tls, ...(ca ? { ca: ca.includes('-----BEGIN') ? ca : fs.readFileSync(ca, 'utf8') } : {}) }
    : undefined;
  const http = createHttpClient({
    baseUrl: options.url,
    timeoutMs: options.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs,
    retries: options.retries ?? CLIENT_DEFAULTS.retries,
    backoffMs: options.backoffMs ?? CLIENT_DEFAULTS.backoffMs,
    ...(tls ? { tls } : {}),
  });
  const auth = options.api === 'v1' ? basicAuth(options.auth) : tokenAuth(http, options.auth, options.now);
  const caller = createCaller(options.api, http, auth);
  const client = options.api === 'v1' ? airflowV1(caller) : airflowV2(caller);
  return { ...client, close: () => http.close() };
}
