import type { IncomingMessage } from 'node:http';
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

export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
