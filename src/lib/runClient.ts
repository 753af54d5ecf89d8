/**
 * The page's one WebSocket client for the execution protocol (DESIGN.md §5). It connects lazily on the
 * first run, or eagerly as soon as someone listens for approval pushes, and multiplexes runs by a client
 * id unique per run. Every run ends with exactly one `done`: from the server, or synthesized here when
 * the socket closes mid-run (code `unavailable`) or a queued run is cancelled. While approval listeners
 * exist the socket is kept up: a drop reconnects (slowly, forever), and listeners learn of each reopen
 * through `onConnectionChange` so they can refetch what they missed.
 *
 * A socket that drops mid-run (network blip, load balancer restart, laptop sleep) is not the end of the
 * run: the server keeps it for a grace period. The client reconnects — to the same or another instance —
 * and sends `resume` with the run's id and the last sequence number it has; the server replays what
 * followed, and anything already seen is dropped here. Where that cannot be, the server (or, when no
 * connection comes back, this client) ends the run with `stream_lost` and the block keeps what it showed.
 *
 * The server's first message (`hello`) says what the socket may send; every message goes through a pacer
 * (sendPacer.ts) that holds what is over that budget until there is room, so a page that starts many runs at
 * once sees them start in turn rather than refused `rate_limited`.
 *
 * A sign-in expires (OIDC): the server closes the socket with code 4401, or refuses a run as
 * `unauthenticated`. The client then renews the sign-in (`renewSignIn`), reconnects at once and sends a
 * refused run again, once. Results already on screen belong to the blocks, not to this client: they stay.
 */
import type { Approval } from '@site/server/api';
import type { DoneMessage, RunMessage, Sequenced, ServerMessage } from '@site/server/protocol';
import type { OperationPush } from '@site/server/operations/types';
import { ROWS_MSGPACK_SUBPROTOCOL, unpackFrame } from '@site/server/frames';
import { withOperation } from './activeOperation';
import { realClock, SendPacer, type PacerClock } from './sendPacer';

/** Messages that belong to one run. */
export type RunEvent = Exclude<ServerMessage, { type: 'error' } | { type: 'approval' } | { type: 'operation' } | { type: 'hello' }>;
export type ApprovalListener = (approval: Approval) => void;
export type OperationListener = (push: OperationPush) => void;
export type RunRequest = Omit<RunMessage, 'type' | 'id'>;
/** `reconnecting`: the socket dropped with runs going, and the client is getting them back (see RunLink). */
export type ConnectionState = 'idle' | 'connecting' | 'reconnecting' | 'open' | 'closed';
/**
 * A running run's link to the server, for the page to show: the socket dropped and the client is getting the
 * run back (`reconnecting`), or it got it back and the output continues where it stopped (`resumed`). When
 * the run cannot be got back, its `done` says so (`stream_lost`).
 */
export type RunLink = 'reconnecting' | 'resumed';

export interface Disposable {
  dispose(): void;
}

export interface RunHandle extends Disposable {
  readonly id: string;
  /** Ask the server to cancel; a run still waiting for the socket ends at once as cancelled. */
  cancel(): void;
}

export interface RunClientOptions {
  /** Delays before each connection attempt of one start; its length is the number of attempts. */
  readonly backoffMs?: readonly number[];
  /**
   * The same while a dropped run waits to be resumed: longer, since the server keeps the run for its grace
   * period (30 s by default) and a proxy restart or a wake from sleep can take a few seconds.
   */
  readonly resumeBackoffMs?: readonly number[];
  /** Gives up an attempt that has not opened after this long. */
  readonly connectTimeoutMs?: number;
  /** While approval listeners exist and every attempt failed: wait this long, then try again. */
  readonly watchRetryMs?: number;
  /**
   * Renews the sign-in before reconnecting after it expired. Default: a credentialed GET /api/me, which
   * passes the organisation's SSO front door — the layer that refreshes the `opsbook_token` cookie.
   */
  readonly renewSignIn?: () => Promise<void>;
  /** For tests: a WebSocket constructor other than the browser's. */
  readonly WebSocketImpl?: typeof WebSocket;
  /** For tests: the clock the send pacing waits on. */
  readonly clock?: PacerClock;
}

/** The server's close code when the sign-in behind the socket expired (server/ws/identityExpiry.ts). */
export const SIGN_IN_EXPIRED_CLOSE = 4401;
const EXPIRED_HINT = 'Your sign-in expired; the page will reconnect.';

const DEFAULTS = { backoffMs: [0, 300, 1_000, 2_500], resumeBackoffMs: [0, 300, 1_000, 2_500, 5_000, 5_000, 5_000], connectTimeoutMs: 5_000, watchRetryMs: 15_000 } as const;

/** The default renewal: touch the server through whatever signs the page in. */
function renewThroughServer(socketUrl: string): () => Promise<void> {
  return async () => {
    const http = new URL('/api/me', socketUrl.replace(/^ws/, 'http'));
    await fetch(http, { credentials: 'include', headers: { accept: 'application/json' } }).catch(() => undefined);
  };
}

interface ActiveRun {
  readonly message: RunMessage;
  readonly onEvent: (event: RunEvent) => void;
  readonly onLink?: (link: RunLink) => void;
  sent: boolean;
  /** The server has said something about this run. */
  answered: boolean;
  /** The run message left the pacer for the socket (`sent` alone: it may still wait for the budget). */
  transmitted?: boolean;
  /** Already sent again once after a sign-in renewal. */
  resent?: boolean;
  /** The server's run id (from `accepted`): what a resume names. */
  runId?: string;
  /** The last sequence number received: a resume continues after it; anything at or below it is a repeat. */
  lastSeq: number;
  /** The socket dropped mid-run: on the next connection, resume instead of running again. */
  resuming?: boolean;
  /** Cancel asked while resuming: sent right after the resume. */
  cancelAfterResume?: boolean;
  /** A resume went out: the run's next new message says whether it worked. */
  resumeSent?: boolean;
}

let counter = 0;
function nextId(): string {
  counter += 1;
  return `c${counter}-${Math.random().toString(36).slice(2, 10)}`;
}

function localDone(id: string, status: DoneMessage['status'], error?: DoneMessage['error']): DoneMessage {
  return { type: 'done', id, status, rowCount: 0, truncated: false, elapsedMs: 0, ...(error ? { error } : {}) };
}

export class RunClient {
  private socket: WebSocket | null = null;
  private state: ConnectionState = 'idle';
  private readonly runs = new Map<string, ActiveRun>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly approvalListeners = new Set<ApprovalListener>();
  private readonly operationListeners = new Set<OperationListener>();
  private readonly options: Required<Omit<RunClientOptions, 'WebSocketImpl' | 'clock'>> & Pick<RunClientOptions, 'WebSocketImpl'>;
  /** Every message to the server goes through it, within the socket's budget. */
  private readonly pacer: SendPacer;
  private renewing = false;
  private attempt = 0;
  private attemptTimer: ReturnType<typeof setTimeout> | undefined;
  private watchTimer: ReturnType<typeof setTimeout> | undefined;
  private openedAt = 0;

  constructor(
    private readonly url: string,
    options: RunClientOptions = {},
  ) {
    const { clock, ...rest } = options;
    this.options = { ...DEFAULTS, renewSignIn: renewThroughServer(url), ...rest };
    this.pacer = new SendPacer((text) => this.socket?.send(text), clock ?? realClock);
  }

  /** Messages waiting for room in the socket's budget (for tests and the page's status). */
  get waitingToSend(): number {
    return this.pacer.waiting;
  }

  get connection(): ConnectionState {
    return this.state;
  }

  onConnectionChange(listener: (state: ConnectionState) => void): Disposable {
    this.stateListeners.add(listener);
    return { dispose: () => void this.stateListeners.delete(listener) };
  }

  /**
   * Approval pushes (`{"type":"approval"}`), not tied to a run. Subscribing opens the socket now (not at
   * the first run), since a waiting operator must see the decision arrive without running anything.
   */
  onApproval(listener: ApprovalListener): Disposable {
    this.approvalListeners.add(listener);
    if (this.state === 'idle' || this.state === 'closed') {
      clearTimeout(this.watchTimer);
      this.connect();
    }
    return {
      dispose: () => {
        this.approvalListeners.delete(listener);
        if (!this.watching()) clearTimeout(this.watchTimer);
      },
    };
  }

  /**
   * Operation pushes (`{"type":"operation"}`, issue 12): like approvals, subscribing keeps the socket up so
   * an open operation page sees what others record in it. After a reconnect, refetch what was missed.
   */
  onOperation(listener: OperationListener): Disposable {
    this.operationListeners.add(listener);
    if (this.state === 'idle' || this.state === 'closed') {
      clearTimeout(this.watchTimer);
      this.connect();
    }
    return {
      dispose: () => {
        this.operationListeners.delete(listener);
        if (!this.watching()) clearTimeout(this.watchTimer);
      },
    };
  }

  /** Something listens for pushes, so the socket stays up (and comes back after a drop). */
  private watching(): boolean {
    return this.approvalListeners.size > 0 || this.operationListeners.size > 0;
  }

  /**
   * Start a run; `onEvent` receives its messages, the last one always a `done`. `onLink` hears when the
   * socket drops mid-run and when the run is got back, so the page can tell "running" from "link lost".
   */
  start(request: RunRequest, onEvent: (event: RunEvent) => void, onLink?: (link: RunLink) => void): RunHandle {
    const id = nextId();
    // A run from a tab working in an operation is recorded in it by the server (issue 12).
    const run: ActiveRun = { message: withOperation({ type: 'run', id, ...request }), onEvent, ...(onLink ? { onLink } : {}), sent: false, answered: false, lastSeq: 0 };
    this.runs.set(id, run);
    if (this.state === 'open') this.send(run);
    else if (this.state !== 'connecting' && this.state !== 'reconnecting') this.connect();
    return {
      id,
      cancel: () => this.cancel(id),
      // Disposing a live run cancels it: an unmounted block must not leave work running on the server.
      dispose: () => {
        if (this.runs.has(id)) this.cancel(id, false);
        this.runs.delete(id);
      },
    };
  }

  /** Close the socket and end every run locally; the client can be used again afterwards. */
  close(): void {
    clearTimeout(this.attemptTimer);
    clearTimeout(this.watchTimer);
    const socket = this.socket;
    this.socket = null;
    this.pacer.clear();
    socket?.close(1000, 'client closed');
    this.failAll('The page closed the connection to the Opsbook server.');
    this.setState('idle');
  }

  private cancel(id: string, notify = true): void {
    const run = this.runs.get(id);
    if (!run) return;
    if (run.resuming) {
      // The server still has the run: cancel it there once the connection is back (or it ends with the grace period).
      run.cancelAfterResume = true;
      return;
    }
    // Still waiting for room in the budget: it never reached the server, so it ends here.
    if (run.sent && !run.transmitted && this.pacer.withdraw(id)) run.sent = false;
    if (run.sent && this.state === 'open' && this.socket) {
      this.pacer.send(JSON.stringify({ type: 'cancel', id }));
      return; // the server answers with the run's `done`
    }
    this.runs.delete(id);
    if (notify) run.onEvent(localDone(id, 'cancelled', { code: 'cancelled', message: 'Cancelled before the run reached the server.' }));
  }

  private send(run: ActiveRun): void {
    run.sent = true;
    if (run.resuming && run.runId) {
      run.resuming = false;
      run.resumeSent = true;
      this.pacer.send(JSON.stringify({ type: 'resume', id: run.message.id, runId: run.runId, after: run.lastSeq }));
      if (run.cancelAfterResume) this.pacer.send(JSON.stringify({ type: 'cancel', id: run.message.id }));
      return;
    }
    run.transmitted = false;
    this.pacer.send(JSON.stringify(run.message), { key: run.message.id, onSent: () => (run.transmitted = true) });
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private backoff(): readonly number[] {
    for (const run of this.runs.values()) if (run.resuming) return this.options.resumeBackoffMs;
    return this.options.backoffMs;
  }

  private connect(): void {
    this.setState([...this.runs.values()].some((run) => run.resuming) ? 'reconnecting' : 'connecting');
    const delay = this.backoff()[this.attempt] ?? 0;
    clearTimeout(this.attemptTimer);
    this.attemptTimer = setTimeout(() => this.open(), delay);
  }

  private open(): void {
    const Impl = this.options.WebSocketImpl ?? WebSocket;
    let socket: WebSocket;
    try {
      // Offer binary row frames (server/frames.ts): cheaper to read than JSON. A server that does not choose
      // the subprotocol sends JSON text, which dispatch() reads as ever.
      socket = new Impl(this.url, [ROWS_MSGPACK_SUBPROTOCOL]);
      socket.binaryType = 'arraybuffer';
    } catch {
      this.onAttemptFailed();
      return;
    }
    this.socket = socket;
    let opened = false;
    const timeout = setTimeout(() => socket.close(), this.options.connectTimeoutMs);

    socket.onopen = () => {
      clearTimeout(timeout);
      opened = true;
      this.openedAt = Date.now();
      this.attempt = 0;
      // A new socket has a full budget of its own; the server's `hello` says how large.
      this.pacer.reset({ awaitHello: true });
      this.setState('open');
      for (const run of this.runs.values()) if (!run.sent) this.send(run);
    };
    socket.onmessage = (event: MessageEvent) => this.dispatch(event.data);
    // 'error' is always followed by 'close'; handling both would end runs twice.
    socket.onerror = () => undefined;
    socket.onclose = (event: CloseEvent) => {
      clearTimeout(timeout);
      if (this.socket !== socket) return; // replaced or closed on purpose
      this.socket = null;
      this.pacer.clear();
      if (opened && event.code === SIGN_IN_EXPIRED_CLOSE) this.onSignInExpired();
      else if (opened) this.onDropped();
      else this.onAttemptFailed();
    };
  }

  private onDropped(): void {
    // A run the server accepted waits there for a while: resume it on the next connection. One sent but not
    // yet accepted has no id to resume by (the server cancels it): it ends here; queued ones may retry.
    for (const [id, run] of this.runs) {
      if (!run.sent) continue;
      // Still waiting for the budget when the socket went: the server never saw it; send it on the next one.
      if (!run.transmitted && !run.runId) {
        run.sent = false;
        continue;
      }
      if (run.runId) {
        run.sent = false;
        run.resuming = true;
        run.resumeSent = false;
        run.onLink?.('reconnecting');
        continue;
      }
      this.runs.delete(id);
      run.onEvent(
        localDone(id, 'failed', {
          code: 'unavailable',
          message: 'The connection to the Opsbook server closed during the run; the server cancels runs on a closed connection.',
          hint: 'Check that the server is up, then run again.',
        }),
      );
    }
    if (this.runs.size > 0) {
      this.connect();
      return;
    }
    this.setState('closed');
    // Only listeners: come back soon after a long-lived socket dropped (a server restart), slowly after one
    // the server closed at once (refused after the handshake), so a refusing server is not hammered.
    if (this.watching()) this.scheduleWatch(Date.now() - this.openedAt > 10_000 ? 1_000 : this.options.watchRetryMs);
  }

  /**
   * The server closed the socket because the sign-in expired: runs it was running were stopped with it
   * (they end here, with the reason); queued runs wait for the renewed connection.
   */
  private onSignInExpired(): void {
    for (const [id, run] of this.runs) {
      if (!run.sent) continue;
      // Still waiting for the budget: the server never saw it; it goes on the renewed connection.
      if (!run.transmitted && !run.runId) {
        run.sent = false;
        continue;
      }
      this.runs.delete(id);
      run.onEvent(localDone(id, 'failed', { code: 'unauthenticated', message: 'Your sign-in expired during the run; the server stopped it with the connection.', hint: EXPIRED_HINT }));
    }
    this.renewAndReconnect();
  }

  /** Renews the sign-in, then reconnects at once when anything waits for the socket. */
  private renewAndReconnect(): void {
    if (this.renewing) return;
    this.renewing = true;
    this.setState('connecting');
    void this.options.renewSignIn().finally(() => {
      this.renewing = false;
      this.attempt = 0;
      if (this.runs.size > 0 || this.watching()) this.connect();
      else this.setState('closed');
    });
  }

  /** The server refused a run because the sign-in expired: send it again once, on a renewed connection. */
  private retryAfterRenewal(run: ActiveRun): void {
    run.sent = false;
    run.answered = false;
    run.resent = true;
    const socket = this.socket;
    this.socket = null;
    this.pacer.clear();
    socket?.close(1000, 'renewing the sign-in');
    // The connection's other runs end with it, as when the server closes it at expiry.
    this.onSignInExpired();
  }

  private scheduleWatch(delayMs: number): void {
    clearTimeout(this.watchTimer);
    this.watchTimer = setTimeout(() => {
      if (this.watching() && (this.state === 'closed' || this.state === 'idle')) this.connect();
    }, delayMs);
  }

  private onAttemptFailed(): void {
    this.attempt += 1;
    if (this.attempt < this.backoff().length && (this.runs.size > 0 || this.watching())) {
      this.connect();
      return;
    }
    this.attempt = 0;
    this.failAll(`Could not connect to the Opsbook server at ${this.url}.`);
    this.setState('closed');
    if (this.watching()) this.scheduleWatch(this.options.watchRetryMs);
  }

  private failAll(message: string): void {
    const runs = [...this.runs.entries()];
    this.runs.clear();
    for (const [id, run] of runs) {
      if (run.resuming) {
        run.onEvent(
          localDone(id, 'failed', {
            code: 'stream_lost',
            message: `The connection dropped during the run and did not come back (${message}) What is shown is what arrived before the drop; the server cancels the run when no page returns for it.`,
            hint: 'Check the audit log for how the run ended, then run again.',
          }),
        );
        continue;
      }
      run.onEvent(localDone(id, 'failed', { code: 'unavailable', message, hint: 'Check that the server is up, then run again.' }));
    }
  }

  /**
   * The server could not tie a message to a run. When exactly one sent run is still unanswered it must
   * be that one: end it rather than leave it spinning forever.
   */
  private onUntiedError(message: string): void {
    const waiting = [...this.runs.values()].filter((run) => run.sent && !run.answered);
    const run = waiting.length === 1 ? waiting[0] : undefined;
    if (!run) return;
    this.runs.delete(run.message.id);
    run.onEvent(localDone(run.message.id, 'rejected', { code: 'bad_message', message }));
  }

  private dispatch(data: unknown): void {
    let message: ServerMessage;
    try {
      if (typeof data === 'string') message = JSON.parse(data) as ServerMessage;
      // Binary frames are `rows` packed as MessagePack, sent only on the subprotocol this client offered.
      else if (data instanceof ArrayBuffer) message = unpackFrame(new Uint8Array(data));
      else return;
    } catch {
      return; // not ours to interpret
    }
    if (message.type === 'hello') {
      if (message.budget) this.pacer.setBudget(message.budget);
      return;
    }
    if (message.type === 'error') {
      this.onUntiedError(message.message);
      return;
    }
    if (message.type === 'approval') {
      if (!message.approval || typeof message.approval.id !== 'string') return;
      for (const listener of [...this.approvalListeners]) listener(message.approval);
      return;
    }
    if (message.type === 'operation') {
      if (!message.operation || typeof message.operation.id !== 'string') return;
      for (const listener of [...this.operationListeners]) listener(message);
      return;
    }
    if (typeof message.id !== 'string') return;
    const run = this.runs.get(message.id);
    if (!run) return; // a disposed run's late messages
    // After a resume the server replays from where this page said it stopped; a repeat is dropped.
    const seq = (message as Sequenced).seq;
    if (typeof seq === 'number') {
      if (seq <= run.lastSeq) return;
      run.lastSeq = seq;
    }
    if (message.type === 'accepted') run.runId = message.runId;
    if (run.resumeSent) {
      // The first new message after a resume: the output continues — unless the server says it cannot.
      run.resumeSent = false;
      if (!(message.type === 'done' && message.error?.code === 'stream_lost')) run.onLink?.('resumed');
    }
    if (message.type === 'done' && message.error?.code === 'unauthenticated' && !run.resent) {
      this.retryAfterRenewal(run);
      return;
    }
    run.answered = true;
    if (message.type === 'done') this.runs.delete(message.id);
    run.onEvent(message);
  }
}

const clients = new Map<string, RunClient>();

/** The page's shared client for a WebSocket URL (see `wsUrl`). Browser only. */
export function getRunClient(url: string): RunClient {
  let client = clients.get(url);
  if (!client) {
    client = new RunClient(url);
    clients.set(url, client);
  }
  return client;
}
