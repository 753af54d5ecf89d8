import type { IncomingMessage } from 'node:http';
import { HttpError } from '../http/errors';
import type { Identity } from '../identity';

/** Thrown when a request carries no acceptable identity; rendered as 401 (HTTP) or refused upgrade. */
export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface Authenticator {
  readonly mode: 'demo' | 'proxy' | 'oidc';
  /** The identity behind a request (HTTP or upgrade); throws AuthError. */
  authenticate(req: IncomingMessage): Promise<Identity>;
  /** Demo mode only: the identities the navbar's switcher offers. */
  readonly demoUsers?: readonly Identity[];
}

/** Longer than any cookie this server sets (a JWT included); a bigger value is refused, not parsed. */
const MAX_COOKIE_CHARS = 8192;

/**
 * One cookie's value. A malformed one (a bad `%` escape, oversized) is the client's mistake: HttpError 400
 * saying which cookie and how to recover, never an exception that becomes a 500.
 */
export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    if (raw.length > MAX_COOKIE_CHARS) throw new HttpError(400, 'bad_request', `Cookie ${name} is longer than ${MAX_COOKIE_CHARS} characters; clear this site's cookies and sign in again.`);
    try {
      return decodeURIComponent(raw);
    } catch {
      throw new HttpError(400, 'bad_request', `Cookie ${name} has a malformed %-escape; clear this site's cookies and reload.`);
    }
  }
  return undefined;
}
