/**
 * A run's stream outlives its socket (issue 14): every message from `accepted` on gets a sequence number
 * and stays in a bounded replay buffer. When the socket drops (network blip, load balancer restart, laptop
 * sleep), the run is detached rather than cancelled: its rows wait (the cursor stops, as under
 * backpressure) until the page reconnects and sends `resume` with the last number it has; the server
 * replays what followed and carries on. Nobody back within the grace period: the run is cancelled and its
 * record says why. A run that ended keeps only its `done` for the grace period, for a page that missed it.
 */
import type { Cell, DoneMessage, ServerMessage } from '../protocol';
import { frameEncodingOf, packFrame, unpackFrame, type FrameEncoding } from '../frames';

/**
 * Where a stream's frames go: the page's WebSocket (ws), or a relay to the instance the page reconnected
 * to (server/cluster/relay.ts). The subset of ws's WebSocket a stream uses.
 */
export interface StreamTarget {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  /** The negotiated subprotocol (server/frames.ts): binary `rows` frames when the page offered them. */
  readonly protocol?: string;
  send(data: string | Buffer | Uint8Array, options?: { binary?: boolean }, cb?: (err?: Error) => void): void;
}

/** Runs `fn` after `ms`; returns the cancel. Injected so tests decide when the grace period is over. */
export type Scheduler = (ms: number, fn: () => void) => () => void;

export const realScheduler: Scheduler = (ms, fn) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** The abort reason of a run nobody reconnected to: the runner records its message. */
export class RunAbandoned extends Error {
  override readonly name = 'RunAbandoned';
}

/** Rows in a run's first frame at most (see RunStream.rows). */
export const FIRST_FRAME_ROWS = 100;

export interface RunStreamsOptions {
  readonly graceMs: number;
  readonly replayBytes: number;
  readonly highWaterBytes: number;
  readonly schedule?: Scheduler;
  readonly log?: (message: string) => void;
}

export type ResumeOutcome =
  | { readonly ok: true; readonly stream: RunStream }
  /** `unknown`: not here (it may be on another instance); `gap`: here, but more output passed than is kept. */
  | { readonly ok: false; readonly reason: 'unknown' | 'gap'; readonly message: string };

/** This process's resumable runs, by the server's run id. */
export class RunStreams {
  private readonly byRunId = new Map<string, RunStream>();

  constructor(readonly options: RunStreamsOptions) {}

  create(user: string, clientId: string, controller: AbortController): RunStream {
    return new RunStream(user, clientId, controller, this.options, {
      register: (runId, stream) => this.byRunId.set(runId, stream),
      forget: (runId, stream) => {
        if (this.byRunId.get(runId) === stream) this.byRunId.delete(runId);
      },
    });
  }

  get size(): number {
    return this.byRunId.size;
  }

  /** Attaches run `runId` to `socket` and replays what followed `after`; or says why it cannot. */
  resume(o: { readonly user: string; readonly clientId: string; readonly runId: string; readonly after: number; readonly socket: StreamTarget }): ResumeOutcome {
    const stream = this.byRunId.get(o.runId);
    // Another user's run id is answered exactly like an unknown one: nothing to learn by guessing.
    if (!stream || stream.user !== o.user || stream.clientId !== o.clientId) {
      return { ok: false, reason: 'unknown', message: 'This run cannot be resumed here: it already ended and was let go, was cancelled when no page came back in time, or ran on a server that is gone. The output above is what arrived before the connection dropped; the audit log has how the run ended.' };
    }
    // Still attached to the old socket: the server has not noticed the drop yet (a half-open connection
    // is only found out by the next ping). The page's newest connection is the one it reads: move there.
    if (!stream.canReplayAfter(o.after)) {
      stream.abandon(`Cancelled: the page reconnected after more output than the server keeps for a reconnect (${Math.round(this.options.replayBytes / 1024)} KiB) had passed.`);
      return { ok: false, reason: 'gap', message: 'More output came while the connection was down than the server keeps for a reconnect, so the run was stopped. The output above is what arrived before the drop; run it again for the whole result.' };
    }
    stream.attach(o.socket, o.after);
    return { ok: true, stream };
  }
}

interface Frame {
  readonly seq: number;
  /** JSON text, or a binary `rows` frame (MessagePack) for a stream whose page reads those. */
  readonly data: string | Uint8Array;
}

/**
 * Sends a kept frame to `socket` in the encoding it negotiated. A binary frame bound for a JSON-only
 * target (a relay to another instance) is turned back into JSON text there; that is rare and off the hot path.
 */
function deliver(socket: StreamTarget, data: string | Uint8Array, cb?: (err?: Error) => void): void {
  if (typeof data !== 'string' && frameEncodingOf(socket) !== 'msgpack') data = JSON.stringify(unpackFrame(data));
  if (typeof data === 'string') {
    // A Buffer, not the string: ws would otherwise copy it once more to learn its byte length.
    if (cb) socket.send(Buffer.from(data), { binary: false }, cb);
    else socket.send(data);
    return;
  }
  socket.send(data, { binary: true }, cb);
}

export class RunStream {
  runId: string | null = null;
  private seq = 0;
  private frames: Frame[] = [];
  private bytes = 0;
  private socket: StreamTarget | null = null;
  private waiting: (() => void)[] = [];
  private cancelGrace: (() => void) | null = null;
  private ended = false;
  private sentRows = false;
  /** How this stream's `rows` are kept and sent: what the socket the run came on negotiated. */
  private encoding: FrameEncoding = 'json';
  /** Set by the session holding the stream: called once the run has ended, to drop it from that session. */
  onEnded: (() => void) | null = null;

  constructor(
    readonly user: string,
    readonly clientId: string,
    readonly controller: AbortController,
    private readonly options: RunStreamsOptions,
    private readonly registry: { register(runId: string, s: RunStream): void; forget(runId: string, s: RunStream): void },
  ) {
    // A cancelled run must not wait for a page that may never come: its paused rows go on (to nowhere).
    controller.signal.addEventListener('abort', () => this.release(), { once: true });
  }

  /** Its `done` was sent. */
  get finished(): boolean {
    return this.ended;
  }

  get attached(): boolean {
    return this.socket !== null;
  }

  /** Streams to `target` now (a page that resumed it elsewhere has moved it away from an older socket). */
  isAttachedTo(target: StreamTarget): boolean {
    return this.socket === target;
  }

  /** The socket it streams to (at the start: the one the run came on). */
  attachFirst(socket: StreamTarget): void {
    this.socket = socket;
    this.encoding = frameEncodingOf(socket);
  }

  send(message: ServerMessage | DoneMessage): void {
    if (message.type === 'accepted') {
      this.runId = message.runId;
      this.registry.register(message.runId, this);
    }
    const data = this.remember(message);
    if (message.type === 'done') this.end();
    const socket = this.socket;
    if (socket && socket.readyState === socket.OPEN) deliver(socket, data);
  }

  /**
   * Sends a batch; resolves when the socket can take more, or — detached — once a page is back (or the
   * run is cancelled). The run's first frame is small: the page can show rows while the rest of the
   * engine's first batch (DuckDB hands out 2,048 rows at a time) is still being encoded and sent.
   */
  rows(rows: readonly (readonly Cell[])[]): Promise<void> {
    if (this.sentRows || rows.length <= FIRST_FRAME_ROWS) {
      this.sentRows = true;
      return this.rowsFrame(rows);
    }
    this.sentRows = true;
    return this.rowsFrame(rows.slice(0, FIRST_FRAME_ROWS)).then(() => this.rowsFrame(rows.slice(FIRST_FRAME_ROWS)));
  }

  private rowsFrame(rows: readonly (readonly Cell[])[]): Promise<void> {
    const data = this.remember({ type: 'rows', id: this.clientId, rows });
    const socket = this.socket;
    if (!socket || socket.readyState !== socket.OPEN) {
      if (this.controller.signal.aborted) return Promise.resolve();
      // The frame is in the buffer: the resume's replay sends it.
      return new Promise((resolve) => this.waiting.push(resolve));
    }
    return new Promise<void>((resolve) => {
      deliver(socket, data, () => resolve());
      if (socket.bufferedAmount <= this.options.highWaterBytes) return resolve();
      // Waiting for a socket that may be dead: a resume elsewhere also lets the run go on (the frame is replayed there).
      this.waiting.push(resolve);
    });
  }

  /**
   * The socket dropped. A run not yet accepted (no id the page could resume by) or already cancelled is
   * cancelled now; any other waits for the grace period.
   */
  detach(from?: StreamTarget): void {
    if (from && this.socket !== from) return; // it moved to a newer connection already
    this.socket = null;
    if (this.ended) return this.keepTailForGrace();
    if (!this.runId) return this.controller.abort();
    this.cancelGrace?.();
    this.cancelGrace = (this.options.schedule ?? realScheduler)(this.options.graceMs, () => {
      this.cancelGrace = null;
      if (this.socket || this.ended) return;
      this.abandon(`Cancelled: the connection to the page dropped during the run and no page reconnected within ${Math.round(this.options.graceMs / 1000)} s.`);
    });
  }

  /** A page's `after`: can everything it lacks still be replayed? */
  canReplayAfter(after: number): boolean {
    if (after > this.seq) return false;
    const first = this.frames[0]?.seq ?? this.seq + 1;
    return after + 1 >= first;
  }

  attach(socket: StreamTarget, after: number): void {
    this.cancelGrace?.();
    this.cancelGrace = null;
    this.socket = socket;
    for (const frame of this.frames) if (frame.seq > after) deliver(socket, frame.data);
    this.release();
    if (this.ended) this.forget();
  }

  abandon(reason: string): void {
    this.options.log?.(`run ${this.runId ?? this.clientId} of ${this.user}: ${reason}`);
    this.controller.abort(new RunAbandoned(reason));
  }

  private remember(message: ServerMessage): string | Uint8Array {
    const seq = ++this.seq;
    // Only rows go binary: control messages are few and small, and stay readable in any socket inspector.
    const data = message.type === 'rows' && this.encoding === 'msgpack' ? packFrame({ ...message, seq }) : JSON.stringify({ ...message, seq });
    // Before `accepted` there is no run id to resume by: nothing to keep.
    if (!this.runId) return data;
    this.frames.push({ seq, data });
    this.bytes += data.length;
    // Oldest out first; the newest frame always stays (a page that missed only it can still resume).
    while (this.bytes > this.options.replayBytes && this.frames.length > 1) this.bytes -= this.frames.shift()!.data.length;
    return data;
  }

  private release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  private end(): void {
    this.ended = true;
    this.release();
    this.onEnded?.();
    this.onEnded = null;
    if (!this.runId) return;
    // The tail stays (already bounded by replayBytes) for the grace period, not just the `done`: a run often
    // ends while its last batches are still on the way — in the server's socket buffers, in a proxy — and a
    // page whose link dropped then lacks them. With only the `done` kept, that page could not resume: its
    // output ended partial although the server had every row to hand.
    this.keepTailForGrace();
  }

  private keepTailForGrace(): void {
    this.cancelGrace?.();
    this.cancelGrace = (this.options.schedule ?? realScheduler)(this.options.graceMs, () => this.forget());
  }

  private forget(): void {
    this.cancelGrace?.();
    this.cancelGrace = null;
    this.frames = [];
    this.bytes = 0;
    if (this.runId) this.registry.forget(this.runId, this);
  }
}
