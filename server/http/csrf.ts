/**
 * CSRF protection for state-changing API calls. The `opsbook_csrf` cookie holds a token signed for the
 * signed-in identity (csrfToken.ts); the page copies it into the `X-CSRF-Token` header, which another site
 * can neither read nor set. The server checks the header's signature against the identity of this
 * request — not merely that header and cookie match — and refuses an Origin that is not configured.
 * Runs after authentication: it needs `res.locals.identity`.
 */
import type { RequestHandler } from 'express';
import { cookieValue } from '../auth/types';
import type { Identity } from '../identity';
import { csrfSubject, type CsrfSigner } from './csrfToken';
import { HttpError } from './errors';
import type { OriginPolicy } from './origins';

export const CSRF_COOKIE = 'opsbook_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export const csrfCookie = (token: string) => `${CSRF_COOKIE}=${token}; Path=/; SameSite=Strict`;

export function csrfProtection(deps: { readonly origins: OriginPolicy; readonly signer: CsrfSigner; readonly mode: string }): RequestHandler {
  return (req, res, next) => {
    const identity = res.locals.identity as Identity | undefined;
    if (!identity) return next(new HttpError(401, 'unauthenticated', 'Sign in first.'));
    const subject = csrfSubject(deps.mode, identity);
    const cookie = cookieValue(req, CSRF_COOKIE);
    // A missing cookie, or one issued to another identity (the demo switcher, a new sign-in): issue a fresh one.
    if (!cookie || !deps.signer.verify(cookie, subject)) res.append('Set-Cookie', csrfCookie(deps.signer.issue(subject)));
    if (SAFE.has(req.method)) return next();
    const origin = req.headers.origin;
    if (origin && !deps.origins.allows(origin)) {
      return next(new HttpError(403, 'forbidden', `Origin ${origin} may not change anything here; add it to server.publicOrigins if operators use it.`));
    }
    if (!deps.signer.verify(req.get(CSRF_HEADER) ?? '', subject)) {
      return next(new HttpError(403, 'csrf', 'Missing or wrong X-CSRF-Token header for this sign-in; reload the page and try again.'));
    }
    next();
  };
}
