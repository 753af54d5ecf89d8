/**
 * The upgrade to /api/ws: exact Origin check against the configured origins (a missing Origin is refused,
 * so a non-browser client must say where it comes from; the Host header is never trusted), then the
 * WebSocket handshake. Refusals are plain HTTP responses with the API's error shape.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { OriginPolicy } from '../http/origins';
import { ROWS_MSGPACK_SUBPROTOCOL } from '../frames';

export function originAllowed(req: IncomingMessage, origins: OriginPolicy): boolean {
  const origin = req.headers.origin;
  return typeof origin === 'string' && origins.allows(origin);
}

const REASONS: Readonly<Record<number, [string, string]>> = {
  400: ['Bad Request', 'bad_request'],
  401: ['Unauthorized', 'unauthenticated'],
  403: ['Forbidden', 'forbidden'],
  429: ['Too Many Requests', 'rate_limited'],
};

export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const [text, code] = REASONS[status] ?? ['Bad Request', 'bad_request'];
  const body = JSON.stringify({ error: { code, message: reason } });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function createSocketServer(maxMessageBytes: number): WebSocketServer {
  // Frames up to 4x the protocol limit are read and answered with bad_message (the socket stays usable);
  // anything larger is an abuse and ws closes the socket (1009) before buffering it.
  // A page that reads binary row frames offers their subprotocol (server/frames.ts); any other offer is
  // declined rather than echoed (ws would otherwise pick the first), so a client only ever gets what it knows.
  return new WebSocketServer({
    noServer: true,
    maxPayload: maxMessageBytes * 4,
    perMessageDeflate: false,
    clientTracking: true,
    handleProtocols: (offered) => (offered.has(ROWS_MSGPACK_SUBPROTOCOL) ? ROWS_MSGPACK_SUBPROTOCOL : false),
  });
}
