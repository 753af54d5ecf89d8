/**
 * A socket closed for flooding learns why: 1008 and its reason, with no reset in its place — even with
 * megabytes of its flood still in flight when the server decides. A raw TCP client stands for the page, so
 * the test sees what the wire carries (a reset shows as an error on the client's socket; a WebSocket library
 * would report it as a bare 1006).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headersFor, OPERATOR, startHarness, type Harness } from '../testing/harness';

let h: Harness;

beforeAll(async () => {
  // A small budget: a handful of messages, then a few refusals, then the close.
  h = await startHarness({ setupSql: 'select 1', snippets: { 'rb/one': { text: 'select 1 as one' } }, limits: { socketMessagesPerWindow: 5, socketRefusalsBeforeClose: 3 } });
});

afterAll(async () => {
  await h?.close();
});

/** A client frame: masked, as RFC 6455 requires of every frame a client sends. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const length = payload.length < 126 ? Buffer.from([0x80 | payload.length]) : payload.length < 65_536 ? Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]) : null;
  if (!length) throw new Error('test frames stay under 64 KiB');
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x80 | opcode]), length, mask, masked]);
}

interface ServerFrame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** The server's frames (unmasked, as servers send them) in what the client received after the handshake. */
function serverFrames(bytes: Buffer): ServerFrame[] {
  const frames: ServerFrame[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    let length = bytes[at + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      length = bytes.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(at + 2));
      header = 10;
    }
    if (at + header + length > bytes.length) break;
    frames.push({ opcode, payload: bytes.subarray(at + header, at + header + length) });
    at += header + length;
  }
  return frames;
}

/** A raw connection upgraded to a WebSocket, recording every byte and every socket error. */
async function rawSocket(): Promise<{ tcp: net.Socket; received: () => Buffer; errors: Error[]; ended: Promise<void>; closed: Promise<void> }> {
  const { port } = new URL(h.url);
  const tcp = net.connect({ host: '127.0.0.1', port: Number(port), allowHalfOpen: true });
  const chunks: Buffer[] = [];
  const errors: Error[] = [];
  tcp.on('data', (d: Buffer) => chunks.push(d));
  tcp.on('error', (e) => errors.push(e));
  const ended = new Promise<void>((resolve) => tcp.once('end', () => resolve()));
  const closed = new Promise<void>((resolve) => tcp.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => tcp.once('connect', resolve).once('error', reject));
  const headers = { Host: `127.0.0.1:${port}`, Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Version': '13', Origin: h.url, ...headersFor(OPERATOR) };
  tcp.write(`GET /api/ws HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
  const all = () => Buffer.concat(chunks);
  await expect.poll(() => all().includes('\r\n\r\n'), { timeout: 10_000 }).toBe(true);
  const head = all().subarray(0, all().indexOf('\r\n\r\n') + 4);
  expect(head.toString()).toMatch(/^HTTP\/1\.1 101/);
  return { tcp, received: () => all().subarray(head.length), errors, ended, closed };
}

/** Far over the budget: 8 MiB of small messages, written in one go, so most of it is still in flight at the close. */
const flood = () => Buffer.concat(Array.from({ length: 8_192 }, (_, i) => clientFrame(0x1, Buffer.from(`{"type":"cancel","id":"${i}"}`.padEnd(1_000, ' ')))));

const closeOf = (frames: ServerFrame[]) => {
  const close = frames.find((f) => f.opcode === 0x8);
  return close ? { code: close.payload.readUInt16BE(0), reason: close.payload.subarray(2).toString() } : null;
};

describe('closing a flooding socket', () => {
  it('delivers 1008 and its reason, reading out the flood still in flight instead of resetting the connection', async () => {
    const c = await rawSocket();
    const written = new Promise<Error | null | undefined>((resolve) => c.tcp.write(flood(), resolve));
    await c.ended; // the server's FIN, after its close frame
    expect(await written).toBeFalsy(); // every byte of the flood was taken: no reset
    expect(closeOf(serverFrames(c.received()))).toEqual({ code: 1008, reason: expect.stringMatching(/message limit/) });
    // The page answers the close, as a browser does, and closes its side: the server lets go cleanly.
    c.tcp.end(clientFrame(0x8, Buffer.from([0x03, 0xf0])));
    await c.closed;
    expect(c.errors).toEqual([]);
    await expect.poll(() => h.audit.events.some((e) => e.user === OPERATOR.user && /closed for flooding/.test(e.detail ?? ''))).toBe(true);
  });

  it('drops a flooder that never closes its side once the bounded wait has passed', async () => {
    const c = await rawSocket();
    c.tcp.write(flood());
    await c.ended;
    expect(closeOf(serverFrames(c.received()))).toMatchObject({ code: 1008 });
    // The client never ends its side. Once the server's bounded wait has passed its end of the connection is
    // gone, and the kernel answers the next bytes with a reset: keep sending until that happens.
    await expect
      .poll(() => {
        if (!c.tcp.destroyed) c.tcp.write(clientFrame(0x9, Buffer.alloc(0)));
        return c.errors.length;
      }, { timeout: 15_000, interval: 200 })
      .toBeGreaterThan(0);
    expect(c.errors[0]).toMatchObject({ code: expect.stringMatching(/ECONNRESET|EPIPE/) });
  });
});
