/**
 * Node's HTTP parser refuses some requests before express sees them: a head over the size limit, a
 * malformed header. Answer those in the API's error shape (431 / 400) instead of Node's bare default.
 */
import type { Duplex } from 'node:stream';

export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const [status, text, message] = tooLarge
    ? [431, 'Request Header Fields Too Large', "Request headers are too large; clear this site's cookies and try again."]
    : [400, 'Bad Request', 'Malformed HTTP request.'];
  const body = JSON.stringify({ error: { code: 'bad_request', message } });
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
