/**
 * One WebSocket: parses inbound messages, starts and cancels runs, and applies backpressure — a run's
 * next batch waits until the socket's buffered amount drops below the high-water mark. A page closing the
 * socket cancels its runs; a socket that drops leaves them waiting for the page to come back and `resume`
 * (runStreams.ts; from another instance, cluster/relay.ts). Bad input never closes the socket: it gets
 * `bad_message` and the socket stays.
 */
import type { WebSocket, RawData } from 'ws';
import { clientMessageSchema, type ResumeMessage, type RunMessage, type ServerMessage } from '../protocol';
import type { Identity } from '../identity';
import { executeRun, type RunnerDeps } from '../execution/runner';
import type { ApprovalHub, RunRegistry, UserRunLimiter } from '../events';
import { RunStreams } from './runStreams';
import { closedDeliberately } from './deliberateClose';
import type { RunRelay } from '../cluster/relay';
import { badMessageTally, refusedRunEntry } from './refusals';
import { expiredRunRefusal } from './identityExpiry';
import { messageTooComplex } from './inboundShape';
import type { OperationFeed } from '../operations/feed';

interface ActiveRun {
  readonly controller: AbortController;
  /** The socket dropped: let the run wait for the page (runStreams.ts). Absent while it waits for its user's slot. */
  detach?: () => void;
  /** The page resumed this run on a newer connection: this socket no longer speaks for it. */
  movedAway?: () => boolean;
}

/**
 * Close codes after which a run waits for the page to come back (server/ws/runStreams.ts): 1006 — the
 * connection dropped without a close frame (network, proxy restart, sleep, or a missed pong). A page that
 * closes on purpose (1000, 1001 when it navigates away, 1005) cancels its runs at once, as before.
 */
const DROPPED = new Set([1006]);

/**
 * The inbound budget's answer for one message: read it, or refuse it. A refused message under the flood
 * threshold is answered (`closing: false`) — a run with its own `done`, so the page's run does not wait for
 * ever; past the threshold the socket is closing and the message is dropped unread.
 */

/** How long a finished run waits for its slot to be given back before the page hears it is done. */
const RELEASE_WAIT_MS = 2_000;
const settledWithin = (work: Promise<void>, ms: number): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void work.catch(() => undefined).finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
export type SocketAdmission =
  | { readonly ok: true }
  | { readonly ok: false; readonly closing: true }
  | { readonly ok: false; readonly closing: false; readonly message: string; readonly retryMs: number };

export interface SessionShared {
  readonly hub: ApprovalHub;
  readonly userRuns: UserRunLimiter;
  /** The process's resumable runs; a session-local registry (no resume across sockets) when absent. */
  readonly streams?: RunStreams;
  /** Resumes runs held by other instances (shared PostgreSQL store); absent when alone. */
  readonly relay?: RunRelay;
  /** The process's runs, for shutdown; absent in tests that drive one session. */
  readonly runs?: RunRegistry;
  /** The socket's inbound budget (app.ts): false when this message is over it (already answered). */
  /** The socket's inbound budget (app.ts): whether this message may be read, and if not, what to answer. */
  readonly admit?: (bytes: number) => SocketAdmission;
  /** Operation changes (issue 12), pushed to every signed-in operator, approver and admin. */
  readonly operations?: OperationFeed;
}

export function attachSession(socket: WebSocket, identity: Identity, deps: RunnerDeps, shared: SessionShared): void {
  const limits = deps.config.limits;
  const runs = new Map<string, ActiveRun>();
  let alive = true;
  const streams = shared.streams ?? new RunStreams({ graceMs: 0, replayBytes: limits.replayBytes, highWaterBytes: limits.socketHighWaterBytes });

  const send = (message: ServerMessage, onWritten?: (err?: Error) => void) => {
    if (socket.readyState !== socket.OPEN) {
      onWritten?.();
      return;
    }
    socket.send(JSON.stringify(message), onWritten);
  };

  // First, before anything else is sent: what this socket may send, so the page paces itself (SocketBudget).
  send({ type: 'hello', budget: { messages: limits.socketMessagesPerWindow, bytes: limits.socketBytesPerWindow, windowMs: limits.socketWindowSeconds * 1000 } });

  const badMessages = badMessageTally(identity, (entry) => deps.audit.record(entry));
  const badMessage = (message: string) => {
    badMessages.hit(message);
    send({ type: 'error', code: 'bad_message', message });
  };
  const unsubscribe = shared.hub.subscribe({ identity, send: (m) => send(m) });
  const unsubscribeOperations = identity.roles.length > 0 ? shared.operations?.subscribe((push) => send(push)) : undefined;
  /** A refused run is recorded before its `done` goes out, like every other refusal. */
  const refuse = (msg: RunMessage, code: 'busy' | 'unavailable', message: string, hint?: string) =>
    void deps.audit.record(refusedRunEntry(identity, msg, code, message)).then(() =>
      send({ type: 'done', id: msg.id, status: 'rejected', rowCount: 0, truncated: false, elapsedMs: 0, error: { code, message, ...(hint ? { hint } : {}) } }),
    );
  const busy = (msg: RunMessage, message: string) => refuse(msg, 'busy', message);
  /**
   * A message over the socket's budget is not acted on. A run among them is answered with its own `done`
   * (and recorded), saying when to ask again: a page that sent a burst of runs — Run every check — would
   * otherwise wait for ever on runs the server never started. Anything else gets the untied error.
   */
  const overBudget = (data: RawData, isBinary: boolean, size: number, message: string, retryAfterMs: number) => {
    const run = !isBinary && size <= limits.maxMessageBytes ? runMessageIn(data.toString()) : null;
    if (!run) return send({ type: 'error', code: 'bad_message', message });
    const hint = `Nothing ran. Try again in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s; the page's Run every check waits and retries by itself.`;
    void deps.audit.record(refusedRunEntry(identity, run, 'rate_limited', message)).then(() =>
      send({ type: 'done', id: run.id, status: 'rejected', rowCount: 0, truncated: false, elapsedMs: 0, error: { code: 'rate_limited', message, hint, retryAfterMs } }),
    );
  };

  const startRun = (msg: RunMessage) => {
    const expired = expiredRunRefusal(identity, msg.id, (deps.now?.() ?? new Date()).getTime());
    if (expired) {
      void deps.audit.record(refusedRunEntry(identity, msg, 'unauthenticated', expired.error!.message)).then(() => send(expired));
      return;
    }
    if (runs.has(msg.id)) {
      badMessage(`A run with id "${msg.id}" is still going; use a new id for each run.`);
      return;
    }
    if (runs.size >= limits.runsPerSocket) {
      return busy(msg, `At most ${limits.runsPerSocket} runs at a time per page; wait for one to finish or cancel it.`);
    }
    const controller = new AbortController();
    const run: ActiveRun = { controller };
    // Held while the slot is asked for (across instances that is a round trip): the same id cannot start twice.
    runs.set(msg.id, run);
    shared.userRuns.acquire(identity.user, limits.runsPerUser).then(
      (release) => {
        if (!release) {
          runs.delete(msg.id);
          return busy(msg, `You already have ${limits.runsPerUser} runs going (across your tabs); wait for one to finish.`);
        }
        // Cancelled (or the socket closed) while the slot was asked for: the runner records it as cancelled.
        begin(msg, run, release);
      },
      (error: unknown) => {
        runs.delete(msg.id);
        // The leases live in the audit store: it is down, and nothing runs unaudited anyway.
        refuse(
          msg,
          'unavailable',
          `The audit store is unavailable, so nothing can run right now (it also keeps the limit on concurrent runs: ${(error as Error).message}).`,
          'Try again in a moment; if it persists, ask an admin to check the audit database (audit.url in opsbook.config.yaml).',
        );
      },
    );
  };

  const begin = (msg: RunMessage, run: ActiveRun, release: () => Promise<void>) => {
    const { controller } = run;
    const stream = streams.create(identity.user, msg.id, controller);
    stream.attachFirst(socket);
    run.detach = () => stream.detach(socket);
    run.movedAway = () => stream.attached && !stream.isAttachedTo(socket);
    // Whichever session holds the run when it ends (this one, or the one a page resumed it on) lets go of it.
    stream.onEnded = () => runs.delete(msg.id);
    // Scheduled runs start on the server; a page claiming to be the schedule is recorded as the page it is.
    if (msg.origin === 'schedule' || msg.origin === 'seed') msg = { ...msg, origin: 'page' };
    const ended = executeRun(deps, identity, msg, { send: (m) => stream.send(m), rows: (rows) => stream.rows(rows) }, controller.signal)
      .catch((error: unknown) => ({
        type: 'done' as const, id: msg.id, status: 'failed' as const, rowCount: 0, truncated: false, elapsedMs: 0,
        error: { code: 'unavailable' as const, message: `Internal error: ${(error as Error).message}` },
      }))
      .then(async (done) => {
        // The slot is free before the page hears the run is done: a page that runs again at once (Run every
        // check, an operator's second click) must not be refused as over its limit by its own finished run.
        // Bounded: a store that stopped answering delays the page's done by seconds at most (the lease lapses).
        await settledWithin(release(), RELEASE_WAIT_MS);
        stream.send(done);
      });
    shared.runs?.track(controller, ended);
  };

  /** A page back after a drop: continue its run here (or from the instance that runs it), or end its stream with the reason. */
  const resumeRun = (msg: ResumeMessage) => {
    if (runs.has(msg.id)) return badMessage(`A run with id "${msg.id}" is already going on this socket.`);
    const lost = (message: string) =>
      send({ type: 'done', id: msg.id, status: 'failed', rowCount: 0, truncated: false, elapsedMs: 0, error: { code: 'stream_lost', message, hint: 'The audit log shows how the run ended; run it again for the whole result.' } });
    const outcome = streams.resume({ user: identity.user, clientId: msg.id, runId: msg.runId, after: msg.after, socket });
    if (outcome.ok) {
      const stream = outcome.stream;
      if (stream.finished) return;
      runs.set(msg.id, { controller: stream.controller, detach: () => stream.detach(socket), movedAway: () => stream.attached && !stream.isAttachedTo(socket) });
      stream.onEnded = () => runs.delete(msg.id);
      return;
    }
    if (outcome.reason !== 'unknown' || !shared.relay) return lost(outcome.message);
    // Held while the audit is asked where the run is, so a second resume or a cancel finds it.
    const controller = new AbortController();
    const pending: ActiveRun = { controller };
    runs.set(msg.id, pending);
    shared.relay.resume({ user: identity.user, clientId: msg.id, runId: msg.runId, after: msg.after, socket, onEnd: () => runs.delete(msg.id) }).then(
      (remote) => {
        if (!remote.ok) {
          runs.delete(msg.id);
          return lost(remote.message);
        }
        pending.detach = () => remote.detach();
        if (controller.signal.aborted) remote.cancel();
        else controller.signal.addEventListener('abort', () => remote.cancel(), { once: true });
      },
      (error: unknown) => {
        runs.delete(msg.id);
        lost(`This run cannot be resumed here: the shared store did not say where it runs (${(error as Error).message}).`);
      },
    );
  };

  socket.on('message', (data: RawData, isBinary: boolean) => {
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer | ArrayBuffer).byteLength;
    const admission = shared.admit?.(size) ?? { ok: true };
    if (!admission.ok) {
      if (!admission.closing) overBudget(data, isBinary, size, admission.message, admission.retryMs);
      return;
    }
    if (size > limits.maxMessageBytes) return badMessage(`Message of ${size} bytes is over the ${limits.maxMessageBytes}-byte limit.`);
    if (isBinary) return badMessage('Binary messages are not part of the protocol; send JSON text.');
    const text = data.toString();
    const tooComplex = messageTooComplex(text);
    if (tooComplex) return badMessage(tooComplex);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return badMessage('Message is not JSON.');
    }
    const parsed = clientMessageSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
      return badMessage(`Invalid message: ${where}${issue.message}. Expected {"type":"run",…} or {"type":"cancel","id"}.`);
    }
    const msg = parsed.data;
    if (msg.type === 'resume') return resumeRun(msg);
    if (msg.type === 'cancel') {
      const run = runs.get(msg.id);
      if (!run) return badMessage(`No run "${msg.id}" is going on this socket; nothing to cancel.`);
      run.controller.abort();
      return;
    }
    startRun(msg);
  });

  // Heartbeat: a socket that misses a pong is dead; terminate it so its runs are cancelled.
  const ping = setInterval(() => {
    if (!alive) return socket.terminate();
    alive = false;
    socket.ping();
  }, limits.pingIntervalMs);
  socket.on('pong', () => {
    alive = true;
  });
  socket.on('close', (code: number) => {
    clearInterval(ping);
    unsubscribe();
    unsubscribeOperations?.();
    badMessages.flush();
    for (const run of runs.values()) {
      if (run.movedAway?.()) continue;
      // A dropped page may come back for its runs (runStreams.ts); a closed one does not.
      if (run.detach && DROPPED.has(code) && !closedDeliberately(socket)) run.detach();
      else run.controller.abort();
    }
    runs.clear();
  });
  socket.on('error', () => socket.terminate());
}

/** The run message in a text frame, when it is one (for answering a refused run by its id). */
function runMessageIn(text: string): RunMessage | null {
  if (messageTooComplex(text)) return null;
  try {
    const parsed = clientMessageSchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.type === 'run' ? parsed.data : null;
  } catch {
    return null;
  }
}
