/**
 * Sockets the server closed on purpose (a flood, an expired sign-in). Their runs end with them, even when
 * the peer never answers the close frame — which ws reports as 1006, the code a network drop also gets,
 * after which runs would otherwise wait for the page to resume them (runStreams.ts).
 */
import type { WebSocket } from 'ws';

const deliberate = new WeakSet<WebSocket>();

export function closeDeliberately(socket: WebSocket, code: number, reason: string): void {
  deliberate.add(socket);
  socket.close(code, reason);
}

export function closedDeliberately(socket: WebSocket): boolean {
  return deliberate.has(socket);
}
