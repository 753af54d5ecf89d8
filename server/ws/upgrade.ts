/**
 * The upgrade to /api/ws: exact Origin check (a missing Origin is refused, so a non-browser client must
 * say where it comes from), then the WebSocket handshake. Refusals are plain HTTP responses.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';

export function originAllowed(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  const host = req.headers.host;
  const own = host ? [`http://${host}`, `https://${host}`] : [];
  return own.includes(origin) || allowedOrigins.includes(origin);
}

export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = JSON.stringify({ error: { code: status === 403 ? 'forbidden' : 'bad_request', message: reason } });
  socket.end(
    `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function createSocketServer(maxMessageBytes: number): WebSocketServer {
  // Frames up to 4x the protocol limit are read and answered with bad_message (the socket stays usable);
  // anything larger is an abuse and ws closes the socket (1009) before buffering it.
  return new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes * 4, perMessageDeflate: false, clientTracking: true });
}
