/**
 * Closing a socket for breaking policy (a flood) so that the page is sure to learn why: the close frame with
 * its code and reason, then the connection dropped — and never a reset in place of that frame.
 *
 * A flooder has megabytes in flight behind the frame that tripped the limit. Closing the TCP connection with
 * bytes still unread (or still arriving) makes the kernel answer with a reset, and a reset lets the peer's
 * TCP stack throw away what it had received but not yet read — the close frame among it — so the page saw
 * 1006 (a network drop, which it would try to resume) instead of 1008 and the reason. So, as web servers do
 * with a "lingering close": send the close frame, half-close (FIN), and keep reading — discarding, without
 * handing a byte to ws — until the peer closes its side, or a bounded wait passes.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { closeDeliberately } from './deliberateClose';

/** How long a peer that never closes its side is read (and ignored) before the connection is dropped. */
export const LINGER_MS = 3_000;

export function closeForPolicy(ws: WebSocket, tcp: Duplex, code: number, reason: string, lingerMs = LINGER_MS): void {
  // Without permessage-deflate (server/ws/upgrade.ts) ws writes the close frame to the socket right here,
  // so the FIN below goes out after it.
  closeDeliberately(ws, code, reason);
  // Stop reading for ws (it would unmask and buffer every byte still coming while it waits for the close
  // handshake — most of the server's time in a flood), but keep reading: unread bytes at close mean a reset.
  tcp.removeAllListeners('data');
  tcp.on('data', discard);
  tcp.resume();
  tcp.end();
  const drop = setTimeout(() => tcp.destroy(), lingerMs);
  drop.unref();
  // The peer closed its side: nothing more is in flight, so closing now sends no reset.
  tcp.once('end', () => tcp.destroy());
  tcp.once('close', () => clearTimeout(drop));
}

const discard = (): void => undefined;
