/**
 * Binary row frames (server/frames.ts): a page that offers the MessagePack subprotocol gets `rows` as
 * binary frames that decode to exactly what a JSON page gets — values JSON carries awkwardly included (big
 * integers, decimals, dates, nulls, unicode, lists, structs) — while a page that does not offer it (an
 * older page, a script) still gets JSON text from the same server, side by side. The page's own client
 * reads them, and a binary stream resumed through a JSON-only target is turned back into JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHarness, headersFor, OPERATOR, type Harness } from '../testing/harness';
import { ROWS_MSGPACK_SUBPROTOCOL, packFrame, unpackFrame } from '../frames';
import type { Cell, DoneMessage, ServerMessage } from '../protocol';
import { RunClient, type RunEvent } from '../../src/lib/runClient';
import { FIRST_FRAME_ROWS, RunStreams, type StreamTarget } from './runStreams';

const AWKWARD = `select
  9223372036854775807::bigint as big,
  (-9007199254740993)::bigint as below_safe,
  170141183460469231731687303715884105727::hugeint as huge,
  123456789012345678.0123456789::decimal(38,10) as dec,
  2.5::double as dbl,
  null as nothing,
  date '2026-12-02' as day,
  timestamp '2026-12-02 05:15:00.123456' as ts,
  'Zürich — 東京 😀 e' || chr(769) || ' "q" \\ end' as text,
  '' as empty,
  [1, null, 3] as list,
  {'a': 1, 'b': 'x', 'c': null} as struct,
  true as flag
from range(3)`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    setupSql: 'create table t as select i, i * 2 as j from range(5000) t(i);',
    snippets: { 'fr/awkward': { text: AWKWARD }, 'fr/many': { text: 'select i, j, \'row \' || i as label from t order by i' } },
  });
});
afterAll(async () => h?.close());

/** A raw socket that records each frame as it came (binary or text) and the message it carries. */
async function rawClient(offer: string[] | undefined): Promise<{ ws: WebSocket; frames: { binary: boolean; message: ServerMessage }[] }> {
  const ws = new WebSocket(h.wsUrl, offer ?? [], { origin: h.url, headers: headersFor(OPERATOR) });
  const frames: { binary: boolean; message: ServerMessage }[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    frames.push({ binary: isBinary, message: isBinary ? unpackFrame(data) : (JSON.parse(data.toString()) as ServerMessage) });
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, frames };
}

function run(ws: WebSocket, id: string, snippet: string): void {
  ws.send(JSON.stringify({ type: 'run', id, snippet, sha256: h.manifest.snippets[snippet]!.sha256, env: 'demo', params: {} }));
}

async function doneOf(frames: { message: ServerMessage }[], id: string): Promise<DoneMessage> {
  await expect.poll(() => frames.some((f) => f.message.type === 'done' && f.message.id === id), { timeout: 20_000 }).toBe(true);
  return frames.find((f) => f.message.type === 'done')!.message as DoneMessage;
}

const rowsOf = (frames: { message: ServerMessage }[]) => frames.flatMap((f) => (f.message.type === 'rows' ? f.message.rows : []));

describe('row frame encoding', () => {
  it('packs and unpacks a rows message to the same value JSON would carry', () => {
    const rows: Cell[][] = [
      ['9223372036854775807', 9007199254740991, -9007199254740991, 2.5, -0.125, 0, null, true, false],
      ['2026-12-02', '2026-12-02 05:15:00.123456', 'Zürich — 東京 😀 é', '', '\u0000 nul', [1, null, [2]], { a: 1, b: 'x', c: null, 'ключ': ['é'] }],
    ];
    const message = { type: 'rows' as const, id: 'c1-x', rows, seq: 7 };
    const decoded = unpackFrame(packFrame(message));
    expect(decoded).toEqual(JSON.parse(JSON.stringify(message)));
    expect(decoded).toEqual(message);
  });

  it('gives each frame bytes of its own, so a frame kept for a reconnect holds no more memory than its length', () => {
    const frames = [1, 2, 3].map((seq) => packFrame({ type: 'rows', id: 'c1', rows: [[seq, 'x'.repeat(100)]], seq }));
    for (const frame of frames) expect(frame.buffer.byteLength).toBe(frame.byteLength);
    expect(frames.map((f) => unpackFrame(f).seq)).toEqual([1, 2, 3]);
  });

  it('refuses bytes that are not a protocol message', () => {
    expect(() => unpackFrame(packFrame(42 as never))).toThrow(/not a protocol message/);
  });

  it('sends binary rows to a page that offers the subprotocol and JSON to one that does not, with the same cells', async () => {
    const fresh = await rawClient([ROWS_MSGPACK_SUBPROTOCOL]);
    const old = await rawClient(undefined);
    expect(fresh.ws.protocol).toBe(ROWS_MSGPACK_SUBPROTOCOL);
    expect(old.ws.protocol).toBe('');
    // Both at once on one server: an old page keeps working next to a new one.
    run(fresh.ws, 'n1', 'fr/awkward');
    run(old.ws, 'o1', 'fr/awkward');
    expect(await doneOf(fresh.frames, 'n1')).toMatchObject({ status: 'succeeded', rowCount: 3 });
    expect(await doneOf(old.frames, 'o1')).toMatchObject({ status: 'succeeded', rowCount: 3 });

    const freshRows = fresh.frames.filter((f) => f.message.type === 'rows');
    expect(freshRows.length).toBeGreaterThan(0);
    expect(freshRows.every((f) => f.binary)).toBe(true);
    // Only rows go binary: accepted, columns and done stay JSON text.
    expect(fresh.frames.filter((f) => f.message.type !== 'rows').every((f) => !f.binary)).toBe(true);
    expect(old.frames.every((f) => !f.binary)).toBe(true);

    expect(rowsOf(fresh.frames)).toEqual(rowsOf(old.frames));
    const [row] = rowsOf(fresh.frames);
    expect(row).toEqual([
      '9223372036854775807',
      '-9007199254740993',
      '170141183460469231731687303715884105727',
      expect.stringMatching(/^123456789012345678\.0123456789/),
      2.5,
      null,
      '2026-12-02',
      expect.stringMatching(/^2026-12-02[ T]05:15:00\.123456/),
      'Zürich — 東京 😀 e\u0301 "q" \\ end',
      '',
      [1, null, 3],
      { a: 1, b: 'x', c: null },
      true,
    ]);
    fresh.ws.close();
    old.ws.close();
  });

  it("a run's first frame is small, whichever the encoding, and the rest follows in the engine's batches", async () => {
    for (const offer of [[ROWS_MSGPACK_SUBPROTOCOL], undefined]) {
      const c = await rawClient(offer);
      run(c.ws, 'f1', 'fr/many');
      expect(await doneOf(c.frames, 'f1')).toMatchObject({ status: 'succeeded', rowCount: 5000 });
      const sizes = c.frames.flatMap((f) => (f.message.type === 'rows' ? [f.message.rows.length] : []));
      expect(sizes[0]).toBe(FIRST_FRAME_ROWS);
      expect(sizes[1]).toBe(2048 - FIRST_FRAME_ROWS); // the rest of DuckDB's first chunk
      expect(rowsOf(c.frames).map((r) => Number(r[0]))).toEqual(Array.from({ length: 5000 }, (_, i) => i));
      c.ws.close();
    }
  });

  it('the page client offers the subprotocol and reads binary rows, with sequence numbers intact', async () => {
    // The browser's WebSocket sends the page's Origin by itself; ws needs it said.
    let binaryFrames = 0;
    class PageSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { origin: h.url, headers: headersFor(OPERATOR) });
        this.on('message', (_data: Buffer, isBinary: boolean) => void (binaryFrames += isBinary ? 1 : 0));
      }
    }
    const client = new RunClient(h.wsUrl, { WebSocketImpl: PageSocket as unknown as typeof globalThis.WebSocket });
    const events: RunEvent[] = [];
    await new Promise<void>((resolve) => {
      client.start({ snippet: 'fr/many', sha256: h.manifest.snippets['fr/many']!.sha256, env: 'demo', params: {} }, (e) => {
        events.push(e);
        if (e.type === 'done') resolve();
      });
    });
    client.close();
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded', rowCount: 5000 });
    const rows = events.flatMap((e) => (e.type === 'rows' ? e.rows : []));
    expect(rows).toHaveLength(5000);
    // BIGINT arrives as text, as it always has (JSON-safe cells), whichever the encoding.
    expect(rows[4999]).toEqual(['4999', '9998', 'row 4999']);
    expect(binaryFrames).toBe(events.filter((e) => e.type === 'rows').length);
    const seqs = events.map((e) => (e as { seq?: number }).seq ?? 0);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});

/** A target that records what it is sent, as frames of its kind. */
class RecordingTarget implements StreamTarget {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: { binary: boolean; message: ServerMessage }[] = [];
  constructor(readonly protocol?: string) {}
  send(data: string | Buffer | Uint8Array, _options?: { binary?: boolean }, cb?: (err?: Error) => void): void {
    const binary = typeof data !== 'string' && _options?.binary === true;
    this.sent.push({ binary, message: binary ? unpackFrame(data as Uint8Array) : (JSON.parse(data.toString()) as ServerMessage) });
    cb?.();
  }
}

describe('replay across encodings', () => {
  it('a binary stream resumed on a JSON-only target (a relay to another instance) arrives there as JSON text', async () => {
    const streams = new RunStreams({ graceMs: 60_000, replayBytes: 1 << 20, highWaterBytes: 1 << 20, schedule: () => () => undefined });
    const stream = streams.create('dana.operator', 'c1', new AbortController());
    const page = new RecordingTarget(ROWS_MSGPACK_SUBPROTOCOL);
    stream.attachFirst(page);
    stream.send({ type: 'accepted', id: 'c1', runId: 'run-1', startedAt: '2026-12-02T05:15:00Z' });
    await stream.rows([['9223372036854775807', 'é😀', null]]);
    stream.detach(page);
    // Sent while away: kept, replayed on resume.
    const waiting = stream.rows([['2', 'b', '2026-12-02']]);

    const relay = new RecordingTarget(undefined);
    const outcome = streams.resume({ user: 'dana.operator', clientId: 'c1', runId: 'run-1', after: 1, socket: relay });
    expect(outcome.ok).toBe(true);
    await waiting;
    expect(page.sent.filter((f) => f.message.type === 'rows').every((f) => f.binary)).toBe(true);
    expect(relay.sent.every((f) => !f.binary)).toBe(true);
    expect(relay.sent.map((f) => f.message)).toEqual([
      { type: 'rows', id: 'c1', rows: [['9223372036854775807', 'é😀', null]], seq: 2 },
      { type: 'rows', id: 'c1', rows: [['2', 'b', '2026-12-02']], seq: 3 },
    ]);
  });
});
