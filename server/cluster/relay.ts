/**
 * Resuming a run on another instance (issue 14): a page whose socket dropped may reconnect to an instance
 * other than the one running its run (no sticky load balancing, or the proxy moved it). That instance asks
 * the shared audit where the run is; when it is running on a live instance, it asks that instance over the
 * push bus to continue the stream, and forwards the frames to the page. The owner streams through a relay
 * target that publishes each frame in turn, so a batch waits until the previous one is on its way (the
 * cursor slows to what the store takes). Cancel and a second drop travel back the same way.
 *
 * Where the run cannot be continued — it ended, its instance is gone, it is already streaming elsewhere,
 * or more output passed than is kept — the page gets `done` with `stream_lost` and the reason.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { pushTopic, type PushBus } from '../push';
import type { DoneMessage } from '../protocol';
import type { RunStream, RunStreams, StreamTarget } from '../ws/runStreams';

interface ResumeRequest {
  /** The instance that runs it (from the audit): only that one answers. */
  readonly owner: string;
  /** This relay's id: frames and controls name it. */
  readonly relay: string;
  readonly runId: string;
  readonly user: string;
  readonly clientId: string;
  readonly after: number;
}

const RESUME_REQUEST = pushTopic<ResumeRequest>('run.resume');
/** A frame of the run (as the page receives it), or the owner's refusal. */
const RELAY_FRAME = pushTopic<{ readonly relay: string; readonly text?: string; readonly refused?: string }>('run.relay');
/** From the page's instance: the page cancelled, or its socket dropped again (wait for it), or closed. */
const RELAY_CONTROL = pushTopic<{ readonly relay: string; readonly action: 'cancel' | 'detach' }>('run.relay-control');

const isDoneFrame = (text: string) => text.startsWith('{"type":"done"');

/** Where the audit says a run is. */
export interface RunLocation {
  readonly instance: string | null;
  readonly status: string;
  /** Its instance's heartbeat is fresh. */
  readonly live: boolean;
}

export type LocateRun = (runId: string) => Promise<RunLocation | null>;

export interface RemoteResume {
  readonly ok: true;
  cancel(): void;
  detach(): void;
}

export interface RunRelay {
  /** Page side: continue `runId` from its owner instance on `socket`; false with the reason when it cannot be. */
  resume(o: { readonly user: string; readonly clientId: string; readonly runId: string; readonly after: number; readonly socket: WebSocket; readonly onEnd: () => void }): Promise<RemoteResume | { readonly ok: false; readonly message: string }>;
  close(): void;
}

/** The owner side's target: each frame is published after the previous one (commit order is frame order). */
class RelayTarget implements StreamTarget {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: PushBus,
    private readonly relay: string,
    private readonly onDone: () => void,
  ) {}

  send(data: string | Buffer, _options?: { binary?: boolean }, cb?: (err?: Error) => void): void {
    const text = typeof data === 'string' ? data : data.toString();
    this.bufferedAmount += text.length;
    this.chain = this.chain
      .then(() => this.bus.publish(RELAY_FRAME, { relay: this.relay, text }))
      .then(() => {
        this.bufferedAmount -= text.length;
        if (isDoneFrame(text)) this.onDone();
        cb?.();
      });
  }

  close(): void {
    this.readyState = 3;
  }
}

export function runRelay(o: { readonly bus: PushBus; readonly streams: RunStreams; readonly instance: string; readonly locate: LocateRun; readonly log: (m: string) => void }): RunRelay {
  const serving = new Map<string, { stream: RunStream; target: RelayTarget }>();
  const receiving = new Map<string, (frame: { text?: string; refused?: string }) => void>();

  const offRequest = o.bus.subscribe(RESUME_REQUEST, (req) => {
    if (req.owner !== o.instance) return;
    const target: RelayTarget = new RelayTarget(o.bus, req.relay, () => serving.delete(req.relay));
    const outcome = o.streams.resume({ user: req.user, clientId: req.clientId, runId: req.runId, after: req.after, socket: target });
    if (!outcome.ok) return void o.bus.publish(RELAY_FRAME, { relay: req.relay, refused: outcome.message });
    serving.set(req.relay, { stream: outcome.stream, target });
    outcome.stream.onEnded = null;
  });
  const offControl = o.bus.subscribe(RELAY_CONTROL, ({ relay, action }) => {
    const served = serving.get(relay);
    if (!served) return;
    // Cancelled: the run ends and its `done` still travels back to the page.
    if (action === 'cancel') return served.stream.controller.abort();
    serving.delete(relay);
    served.target.close();
    served.stream.detach(served.target);
  });
  const offFrame = o.bus.subscribe(RELAY_FRAME, (frame) => receiving.get(frame.relay)?.(frame));

  const lost = (message: string) => ({ ok: false as const, message });

  return {
    async resume(r) {
      const where = await o.locate(r.runId);
      if (!where || where.instance === o.instance) return lost('This run cannot be resumed here: it already ended and was let go, or was cancelled when no page came back in time. The output above is what arrived before the connection dropped; the audit log has how the run ended.');
      if (where.status === 'interrupted') return lost('The run was on an Opsbook server that has stopped; it is recorded as interrupted. The output above is what arrived before the connection dropped; check the target system before running it again.');
      if (where.status !== 'running') return lost(`The run ended (${where.status}) while the connection was down; the output above is what arrived before the drop. The audit log has its record.`);
      if (!where.live) return lost('The run was on an Opsbook server that has stopped; it is recorded as interrupted. The output above is what arrived before the connection dropped; check the target system before running it again.');
      const relay = randomUUID();
      receiving.set(relay, (frame) => {
        if (frame.refused !== undefined) {
          receiving.delete(relay);
          const done: DoneMessage = { type: 'done', id: r.clientId, status: 'failed', rowCount: 0, truncated: false, elapsedMs: 0, error: { code: 'stream_lost', message: frame.refused } };
          if (r.socket.readyState === r.socket.OPEN) r.socket.send(JSON.stringify(done));
          r.onEnd();
          return;
        }
        const text = frame.text ?? '';
        if (r.socket.readyState === r.socket.OPEN) r.socket.send(text);
        if (isDoneFrame(text)) {
          receiving.delete(relay);
          r.onEnd();
        }
      });
      await o.bus.publish(RESUME_REQUEST, { owner: where.instance!, relay, runId: r.runId, user: r.user, clientId: r.clientId, after: r.after });
      return {
        ok: true,
        cancel: () => void (receiving.has(relay) && o.bus.publish(RELAY_CONTROL, { relay, action: 'cancel' })),
        detach: () => void (receiving.delete(relay) && o.bus.publish(RELAY_CONTROL, { relay, action: 'detach' })),
      };
    },
    close() {
      offRequest();
      offControl();
      offFrame();
    },
  };
}

/** The audit's answer to "where is run X": its instance, its status, and whether that instance still beats. */
export function auditLocator(exec: { query(sql: string, values?: readonly unknown[]): Promise<Record<string, unknown>[]> }, prefix: string, staleAfterMs: number, now: () => Date = () => new Date()): LocateRun {
  return async (runId) => {
    const rows = await exec.query(
      `select a.instance, a.status, i.seen_at from ${prefix}audit_log a left join ${prefix}instances i on i.id = a.instance where a.run_id = $1 order by a.occurred_at desc limit 1`,
      [runId],
    );
    const row = rows[0];
    if (!row) return null;
    const seen = row.seen_at === null || row.seen_at === undefined ? null : String(row.seen_at);
    return {
      instance: row.instance === null || row.instance === undefined ? null : String(row.instance),
      status: String(row.status),
      live: seen !== null && seen > new Date(now().getTime() - staleAfterMs).toISOString(),
    };
  };
}
