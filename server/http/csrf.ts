/**
 * CSRF protection for state-changing API calls: a double-submit cookie (the page copies the
 * `opsbook_csrf` cookie into the `X-CSRF-Token` header, which another site cannot read or set) plus an
 * Origin check when the browser sends one.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { cookieValue } from '../auth/types';
import { HttpError } from './errors';
import { originAllowed } from '../ws/upgrade';

export const CSRF_COOKIE = 'opsbook_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrfProtection(allowedOrigins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    let token = cookieValue(req, CSRF_COOKIE);
    if (!token) {
      token = randomBytes(24).toString('base64url');
      res.append('Set-Cookie', `${CSRF_COOKIE}=${token}; Path=/; SameSite=Strict`);
    }
    if (SAFE.has(req.method)) return next();
    if (req.headers.origin && !originAllowed(req, allowedOrigins)) {
      return next(new HttpError(403, 'forbidden', `Origin ${req.headers.origin} may not change anything here.`));
    }
    const sent = req.get(CSRF_HEADER) ?? '';
    const a = Buffer.from(sent);
    const b = Buffer.from(cookieValue(req, CSRF_COOKIE) ?? '');
    if (!b.length || a.length !== b.length || !timingSafeEqual(a, b)) {
      return next(new HttpError(403, 'csrf', 'Missing or wrong X-CSRF-Token header; reload the page and try again.'));
    }
    next();
  };
}
