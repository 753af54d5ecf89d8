/**
 * How row frames travel (issue 14, "results near the driver's speed"). JSON text costs the server a
 * stringify plus a UTF-8 encode per batch and the page a JSON.parse; MessagePack (msgpackr) is cheaper on
 * both sides (`npm run bench -- --codec`). A page that can read it offers the WebSocket subprotocol
 * `ROWS_MSGPACK_SUBPROTOCOL`; the server accepts it and then sends `rows` messages as binary frames, each
 * one whole protocol message (`{type:'rows', id, rows, seq}`) packed as plain MessagePack. Every other
 * message stays JSON text, and a page that did not offer the subprotocol (an older page, a script) gets
 * JSON rows as before. Shared by the server (encode) and the page (decode).
 */
import { Packr, RESET_BUFFER_MODE, Unpackr } from 'msgpackr';
import type { Sequenced, ServerMessage } from './protocol';

/** Offered by a page that reads binary `rows` frames; chosen by a server that sends them. */
export const ROWS_MSGPACK_SUBPROTOCOL = 'opsbook.rows.msgpack.v1';

export type FrameEncoding = 'json' | 'msgpack';

// Plain MessagePack, no records: every frame decodes on its own, so a frame can be replayed after a
// reconnect or read by any MessagePack library, and the page needs no eval (the site's CSP forbids it).
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** The encoding a connection negotiated: its subprotocol (a target without one, such as a relay, gets JSON). */
export function frameEncodingOf(target: { readonly protocol?: string }): FrameEncoding {
  return target.protocol === ROWS_MSGPACK_SUBPROTOCOL ? 'msgpack' : 'json';
}

export function packFrame(message: Sequenced): Uint8Array {
  // msgpackr returns a view into a buffer it shares between calls. A frame is kept for a reconnect
  // (ws/runStreams.ts) and counted by its own length, so it gets bytes of its own: a view would keep the
  // whole shared buffer, and other runs' frames in it, alive past the replay budget. Since every frame is
  // copied out anyway, msgpackr packs each one from the start of the same buffer (RESET_BUFFER_MODE) rather
  // than into fresh ones it grows by copying, and the copy is not zero-filled first (allocUnsafeSlow: every
  // byte is written at once, and the frame owns its memory, outside Node's shared pool).
  const packed = packr.pack(message, RESET_BUFFER_MODE);
  const own = Buffer.allocUnsafeSlow(packed.length);
  own.set(packed);
  return own;
}

/** A binary frame back into its protocol message; throws on bytes that are not one. */
export function unpackFrame(bytes: Uint8Array): Sequenced<ServerMessage> {
  const message: unknown = unpackr.unpack(bytes);
  if (typeof message !== 'object' || message === null || typeof (message as { type?: unknown }).type !== 'string') {
    throw new Error('A binary frame that is not a protocol message.');
  }
  return message as Sequenced<ServerMessage>;
}
