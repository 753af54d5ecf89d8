/**
 * One WebSocket: parses inbound messages, starts and cancels runs, and applies backpressure — a run's
 * next batch waits until the socket's buffered amount drops below the high-water mark. Closing the
 * socket cancels its runs. Bad input never closes the socket: it gets `bad_message` and the socket stays.
 */
import type { WebSocket, RawData } from 'ws';
import { clientMessageSchema, type Cell, type RunMessage, type ServerMessage } from '../protocol';
import type { Identity } from '../identity';
import { executeRun, type RunnerDeps } from '../execution/runner';
import type { ApprovalHub, RunRegistry, UserRunCounter } from '../events';
import { badMessageTally, refusedRunEntry } from './refusals';
import { expiredRunRefusal } from './identityExpiry';
import { messageTooComplex } from './inboundShape';
import type { OperationFeed } from '../operations/feed';

interface ActiveRun {
  readonly controller: AbortController;
}

/**
 * Sends one text frame and resolves when the socket can take more: at once, or — when the buffered
 * amount is over the mark — once this frame has left the user-space buffer, which stops the cursor
 * without polling. The write callback is built outside this scope so it does not keep the frame (or the
 * rows it came from) alive after ws has written it.
 */
function writeFrame(socket: WebSocket, frame: Buffer, highWater: number): Promise<void> {
  if (socket.readyState !== socket.OPEN) return Promise.resolve();
  return new Promise<void>((resolve) => {
    socket.send(frame, { binary: false }, resolveWhenWritten(resolve));
    if (socket.bufferedAmount <= highWater) resolve();
  });
}

const resolveWhenWritten = (resolve: () => void) => () => resolve();

export interface SessionShared {
  readonly hub: ApprovalHub;
  readonly userRuns: UserRunCounter;
  /** The process's runs, for shutdown; absent in tests that drive one session. */
  readonly runs?: RunRegistry;
  /** The socket's inbound budget (app.ts): false when this message is over it (already answered). */
  readonly admit?: (bytes: number) => boolean;
  /** Operation changes (issue 12), pushed to every signed-in operator, approver and admin. */
  readonly operations?: OperationFeed;
}

export function attachSession(socket: WebSocket, identity: Identity, deps: RunnerDeps, shared: SessionShared): void {
  const limits = deps.config.limits;
  const runs = new Map<string, ActiveRun>();
  let alive = true;

  const send = (message: ServerMessage, onWritten?: (err?: Error) => void) => {
    if (socket.readyState !== socket.OPEN) {
      onWritten?.();
      return;
    }
    socket.send(JSON.stringify(message), onWritten);
  };

  /** Resolves once the socket can take more: immediately, or when the last queued frame is written. */
  const sendRows = (id: string) => (rows: readonly (readonly Cell[])[]) =>
    writeFrame(socket, Buffer.from(JSON.stringify({ type: 'rows', id, rows } satisfies ServerMessage)), limits.socketHighWaterBytes);

  const badMessages = badMessageTally(identity, (entry) => deps.audit.record(entry));
  const badMessage = (message: string) => {
    badMessages.hit(message);
    send({ type: 'error', code: 'bad_message', message });
  };
  const unsubscribe = shared.hub.subscribe({ identity, send: (m) => send(m) });
  const unsubscribeOperations = identity.roles.length > 0 ? shared.operations?.subscribe((push) => send(push)) : undefined;
  /** A refused run is recorded before its `done` goes out, like every other refusal. */
  const busy = (msg: RunMessage, message: string) =>
    void deps.audit.record(refusedRunEntry(identity, msg, 'busy', message)).then(() =>
      send({ type: 'done', id: msg.id, status: 'rejected', rowCount: 0, truncated: false, elapsedMs: 0, error: { code: 'busy', message } }),
    );

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
    if (!shared.userRuns.tryAcquire(identity.user, limits.runsPerUser)) {
      return busy(msg, `You already have ${limits.runsPerUser} runs going (across your tabs); wait for one to finish.`);
    }
    const controller = new AbortController();
    runs.set(msg.id, { controller });
    // Scheduled runs start on the server; a page claiming to be the schedule is recorded as the page it is.
    if (msg.origin === 'schedule') msg = { ...msg, origin: 'page' };
    const ended = executeRun(deps, identity, msg, { send: (m) => send(m), rows: sendRows(msg.id) }, controller.signal)
      .catch((error: unknown) => ({
        type: 'done' as const, id: msg.id, status: 'failed' as const, rowCount: 0, truncated: false, elapsedMs: 0,
        error: { code: 'unavailable' as const, message: `Internal error: ${(error as Error).message}` },
      }))
      .then((done) => {
        runs.delete(msg.id);
        shared.userRuns.release(identity.user);
        send(done);
      });
    shared.runs?.track(controller, ended);
  };

  socket.on('message', (data: RawData, isBinary: boolean) => {
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer | ArrayBuffer).byteLength;
    if (shared.admit && !shared.admit(size)) return;
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
  socket.on('close', () => {
    clearInterval(ping);
    unsubscribe();
    unsubscribeOperations?.();
    badMessages.flush();
    for (const run of runs.values()) run.controller.abort();
  });
  socket.on('error', () => socket.terminate());
}
