/**
 * CSRF tokens bound to who is signed in: `<nonce>.<HMAC-SHA256(secret, nonce, subject)>`, where the subject
 * is the auth mode and the canonical user. A token issued to one session (another user, another auth
 * mode) does not verify for another, so a cookie planted from a sibling site cannot pair with its header.
 * The secret comes from configuration, or is generated once and kept in the state directory.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Identity } from '../identity';

export interface CsrfSigner {
  issue(subject: string): string;
  verify(token: string, subject: string): boolean;
}

export const csrfSubject = (mode: string, identity: Identity): string => `${mode}:${identity.user}`;

export function csrfSigner(secret: string): CsrfSigner {
  const mac = (nonce: string, subject: string) => createHmac('sha256', secret).update(`${nonce}\n${subject}`).digest('base64url');
  return {
    issue(subject) {
      const nonce = randomBytes(18).toString('base64url');
      return `${nonce}.${mac(nonce, subject)}`;
    },
    verify(token, subject) {
      const dot = token.indexOf('.');
      if (dot <= 0 || token.length > 200) return false;
      const expected = Buffer.from(mac(token.slice(0, dot), subject));
      const sent = Buffer.from(token.slice(dot + 1));
      return sent.length === expected.length && timingSafeEqual(sent, expected);
    },
  };
}

/** The demo's secret: read from `<dir>/csrf-secret`, or created there (mode 0600) on first start. */
export function loadOrCreateCsrfSecret(dir: string): string {
  const file = path.join(dir, 'csrf-secret');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch {
    // not there yet: create it below
  }
  const secret = randomBytes(32).toString('base64url');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
