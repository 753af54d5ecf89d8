/**
 * Credentials for the two APIs: basic auth for Airflow 2, and for Airflow 3 a JWT from
 * `POST /auth/token` that is renewed shortly before it expires (from its `exp` claim) and again whenever
 * Airflow answers 401. One token request is shared by all calls waiting for it.
 */
import { ConnectorError } from '../types';
import { errorDetail } from './errors';
import type { HttpClient } from './http';

export interface Authorizer {
  /** The Authorization header value. */
  header(signal?: AbortSignal): Promise<string>;
  /** Forget the current credential after a 401; true when a fresh one may help (tokens). */
  invalidate(): boolean;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export function basicAuth(credentials: Credentials): Authorizer {
  const value = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  return { header: () => Promise.resolve(value), invalidate: () => false };
}

/** Renew this long before `exp`, so a token never expires between the check and the request. */
const RENEW_EARLY_MS = 30_000;

export function tokenAuth(http: HttpClient, credentials: Credentials, now: () => number = Date.now): Authorizer {
  let token: { value: string; expiresAt: number } | null = null;
  let pending: Promise<string> | null = null;

  const fetchToken = async (signal?: AbortSignal): Promise<string> => {
    const res = await http.request({ method: 'POST', path: '/auth/token', body: { username: credentials.username, password: credentials.password }, ...(signal ? { signal } : {}) });
    if (res.status === 401 || res.status === 403) {
      throw new ConnectorError('connector_error', `Airflow at ${http.origin} refused to issue a token for user "${credentials.username}" (HTTP ${res.status}).`, 'Check auth.username and auth.password of the connection.');
    }
    const access = (res.body as { access_token?: unknown } | null)?.access_token;
    if ((res.status !== 201 && res.status !== 200) || typeof access !== 'string') {
      const detail = errorDetail(res.body);
      throw new ConnectorError('unavailable', `Airflow at ${http.origin} did not issue a token (HTTP ${res.status}${detail ? `: ${detail}` : ''}).`, 'POST /auth/token belongs to Airflow 3 with the simple auth manager; for Airflow 2 set api: v1 on the connection.');
    }
    token = { value: access, expiresAt: expiryOf(access) ?? Number.POSITIVE_INFINITY };
    return access;
  };

  return {
    async header(signal) {
      if (token && token.expiresAt - RENEW_EARLY_MS > now()) return `Bearer ${token.value}`;
      pending ??= fetchToken(signal).finally(() => {
        pending = null;
      });
      return `Bearer ${await pending}`;
    },
    invalidate() {
      token = null;
      return true;
    },
  };
}

/** `exp` of a JWT in ms, read without verifying: the client only needs to know when to renew. */
export function expiryOf(jwt: string): number | null {
  const payload = jwt.split('.')[1];
  if (!payload) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}
