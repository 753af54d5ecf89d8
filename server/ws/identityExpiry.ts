/**
 * A socket's identity lasts as long as the credential it was opened with (an OIDC token's `exp`): a run
 * after that is refused, and the socket is closed at expiry so the page renews its sign-in and reconnects.
 */
import type { WebSocket } from 'ws';
import type { Identity } from '../identity';
import type { DoneMessage } from '../protocol';
import { closeDeliberately } from './deliberateClose';

/** Application close code (4000–4999): the page reconnects at once after renewing its token. */
export const SIGN_IN_EXPIRED_CLOSE = 4401;
const HINT = 'Your sign-in expired; the page will reconnect.';

export function expiredRunRefusal(identity: Identity, id: string, now: number): DoneMessage | null {
  if (identity.expiresAt === undefined || now < identity.expiresAt) return null;
  return {
    type: 'done', id, status: 'rejected', rowCount: 0, truncated: false, elapsedMs: 0,
    error: { code: 'unauthenticated', message: `The sign-in behind this connection expired at ${new Date(identity.expiresAt).toISOString()}; the run was not started.`, hint: HINT },
  };
}

/** Closes the socket when its identity expires; returns the disposer (cleared when the socket closes). */
export function closeAtExpiry(socket: WebSocket, identity: Identity, now: number): void {
  if (identity.expiresAt === undefined) return;
  // setTimeout's limit is ~24.8 days; a longer token is re-checked by the run path anyway.
  const delay = Math.min(Math.max(0, identity.expiresAt - now), 2 ** 31 - 1);
  const timer = setTimeout(() => closeDeliberately(socket, SIGN_IN_EXPIRED_CLOSE, HINT), delay);
  socket.once('close', () => clearTimeout(timer));
}
