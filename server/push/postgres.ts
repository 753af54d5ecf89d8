/**
 * The push bus across instances sharing one PostgreSQL store: LISTEN/NOTIFY.
 *
 * A publish delivers to this process's subscribers at once, then inserts the message into `push_messages`
 * and notifies the channel in the same statement. NOTIFY payloads are limited to 8000 bytes: a small
 * message travels inline, a larger one by reference (the notification carries its id; receivers read the
 * row). The rows are also the catch-up log: a LISTEN connection that drops (restart, failover,
 * pg_terminate_backend) reconnects with backoff and then delivers, in id order, every message it missed
 * while deaf — so a dropped listener never goes silently deaf. Rows older than the retention are pruned.
 */
import { randomUUID } from 'node:crypto';
import type { Client, Notification } from 'pg';
import type { SqlExec } from '../audit/sqlStore';
import { LocalFanout, type PushBus, type PushTopic } from './types';

export interface PostgresBusOptions {
  readonly url: string;
  /** The state store's schema: the table and the channel live beside the audit. */
  readonly schema: string;
  /** The store's pool, for publishes and catch-up reads. */
  readonly exec: SqlExec;
  readonly log: (message: string) => void;
  /** Delays before each reconnect attempt of the LISTEN connection; the last one repeats. */
  readonly reconnectDelaysMs?: readonly number[];
  /** How long messages stay readable for a listener catching up (default 10 minutes). */
  readonly retentionMs?: number;
  /** Told when the LISTEN connection is lost and when it listens again (after catching up). */
  readonly onListenerState?: (state: 'listening' | 'lost') => void;
  /** Test seam: awaited before each reconnect attempt, so a test can publish while this listener is deaf. */
  readonly beforeReconnect?: () => Promise<void>;
}

/** Inline NOTIFY payloads up to this many bytes of message JSON; PostgreSQL's limit is 8000 for the whole payload. */
const INLINE_BYTES = 7_000;
const DEFAULT_DELAYS = [0, 250, 1_000, 5_000] as const;

interface Envelope {
  /** Message id (row id). */
  readonly i: string | number;
  /** The publishing bus (per process), so a process skips its own echo. */
  readonly o: string;
  readonly t: string;
  /** The payload, when small enough to travel inline. */
  readonly p?: unknown;
}

export interface PostgresBus extends PushBus {
  /** Resolves once the table exists and the first LISTEN was attempted (it retries by itself if that failed). */
  readonly ready: Promise<void>;
}

/** Synchronous, so the app can be built before the bus is connected; publishes wait for `ready`. */
export function postgresBus(o: PostgresBusOptions): PostgresBus {
  const quoted = `"${o.schema.replaceAll('"', '""')}"`;
  const table = `${quoted}.push_messages`;
  const channel = `opsbook_push_${o.schema}`.slice(0, 63);
  const channelIdent = `"${channel.replaceAll('"', '""')}"`;
  const retentionMs = o.retentionMs ?? 600_000;
  const delays = o.reconnectDelaysMs ?? DEFAULT_DELAYS;
  const origin = randomUUID();
  const fanout = new LocalFanout(o.log);

  const createTable = async () => {
    const ddl = `create table if not exists ${table} (id bigserial primary key, topic varchar not null, payload text not null,
         origin varchar not null, created_at timestamptz not null default now())`;
    await o.exec.query(`create schema if not exists ${quoted}`).catch(() => undefined); // the store made it; a race is harmless
    // Two instances starting at once can race on `create table if not exists` (a unique violation on the
    // catalog); the loser's second try finds the table.
    await o.exec.query(ddl).catch(() => o.exec.query(ddl));
  };

  /** Message ids already delivered here, with when, so catch-up after a reconnect delivers nothing twice. */
  const seen = new Map<string, number>();
  let baseline: string | null = null;
  let listener: Client | null = null;
  let closed = false;
  let attempt = 0;
  let lastPrune = 0;

  const deliver = (id: string, topic: string, payload: unknown) => {
    if (seen.has(id)) return;
    seen.set(id, Date.now());
    fanout.deliver(topic, payload);
  };

  const forgetOld = () => {
    const before = Date.now() - retentionMs - 60_000;
    for (const [id, at] of seen) if (at < before) seen.delete(id);
  };

  const readRow = async (id: string): Promise<{ topic: string; payload: unknown } | null> => {
    const rows = await o.exec.query(`select topic, payload from ${table} where id = $1`, [id]);
    const row = rows[0];
    return row ? { topic: String(row.topic), payload: JSON.parse(String(row.payload)) as unknown } : null;
  };

  /** While catching up, live notifications wait here, so delivery stays in order. */
  let held: Envelope[] | null = null;

  /**
   * Envelopes are handled one after another: a message sent by reference is read before the next one is
   * delivered, so subscribers see messages in the order they were committed.
   */
  let inOrder: Promise<void> = Promise.resolve();
  const onEnvelope = (e: Envelope) => {
    const id = String(e.i);
    if (e.o === origin) return;
    inOrder = inOrder.then(async () => {
      if (seen.has(id)) return;
      if ('p' in e) return deliver(id, e.t, e.p);
      try {
        const row = await readRow(id);
        if (row) deliver(id, row.topic, row.payload);
        else o.log(`push: message ${id} ("${e.t}") was pruned before it could be read.`);
      } catch (error) {
        o.log(`push: could not read message ${id} ("${e.t}"): ${(error as Error).message}`);
      }
    });
  };

  const onNotification = (n: Notification) => {
    if (n.channel !== channel || !n.payload) return;
    let e: Envelope;
    try {
      e = JSON.parse(n.payload) as Envelope;
    } catch {
      return; // not ours: someone else notified this channel
    }
    if (held) held.push(e);
    else onEnvelope(e);
  };

  const catchUp = async (): Promise<number> => {
    const rows = await o.exec.query(`select id, topic, payload from ${table} where id > $1 and origin <> $2 order by id`, [baseline ?? '0', origin]);
    let delivered = 0;
    for (const row of rows) {
      const id = String(row.id);
      if (seen.has(id)) continue;
      deliver(id, String(row.topic), JSON.parse(String(row.payload)) as unknown);
      delivered += 1;
    }
    return delivered;
  };

  const connect = async (): Promise<void> => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: o.url });
    let lost = false;
    const onLost = (why: string) => {
      if (lost) return;
      lost = true;
      if (listener === client) listener = null;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (closed) return;
      o.log(`push: the LISTEN connection dropped (${why}); reconnecting so pushes from other instances keep arriving.`);
      o.onListenerState?.('lost');
      scheduleReconnect();
    };
    client.on('error', (error) => onLost(error.message));
    client.on('end', () => onLost('connection ended'));
    client.on('notification', onNotification);
    try {
      await client.connect();
      held = [];
      await client.query(`listen ${channelIdent}`);
      if (baseline === null) {
        // First start: only what is published from now on concerns this instance.
        const rows = await o.exec.query(`select coalesce(max(id), 0) as id from ${table}`);
        baseline = String(rows[0]?.id ?? '0');
      } else {
        const n = await catchUp();
        o.log(`push: listening again${n ? `; delivered ${n} message(s) published while the connection was down` : ''}.`);
      }
      const waiting = held;
      held = null;
      for (const e of waiting) onEnvelope(e);
    } catch (error) {
      held = null;
      onLost((error as Error).message);
      throw error;
    }
    if (closed || lost) return void client.end().catch(() => undefined);
    listener = client;
    attempt = 0;
    forgetOld();
    o.onListenerState?.('listening');
  };

  let reconnecting = false;
  const scheduleReconnect = () => {
    if (reconnecting || closed) return;
    reconnecting = true;
    const delay = delays[Math.min(attempt, delays.length - 1)] ?? 1_000;
    attempt += 1;
    const timer = setTimeout(() => {
      void (o.beforeReconnect?.() ?? Promise.resolve())
        .then(() => {
          reconnecting = false;
          if (closed) return;
          return connect();
        })
        .catch(() => undefined); // connect's own onLost scheduled the next attempt
    }, delay);
    timer.unref();
  };

  const ready = createTable().then(() =>
    connect().catch((error: unknown) => o.log(`push: could not LISTEN yet (${(error as Error).message}); retrying.`)),
  );

  const prune = () => {
    const now = Date.now();
    if (now - lastPrune < 60_000) return;
    lastPrune = now;
    void o.exec
      .query(`delete from ${table} where created_at < now() - make_interval(secs => $1)`, [retentionMs / 1000])
      .catch((error: unknown) => o.log(`push: could not prune old messages: ${(error as Error).message}`));
  };

  return {
    ready,
    async publish<T>(topic: PushTopic<T>, payload: T) {
      fanout.deliver(topic.name, payload);
      if (closed) return;
      const json = JSON.stringify(payload);
      // One statement: the row is the catch-up log and the by-reference store; the notification tells the others.
      // A failure is logged, not thrown: this instance's sockets already have it, and callers fire and forget.
      await ready;
      await o.exec.query(
        `with m as (insert into ${table} (topic, payload, origin) values ($1, $2, $3) returning id, topic, payload, origin)
         select pg_notify($4, (case when octet_length(m.payload) <= ${INLINE_BYTES}
           then json_build_object('i', m.id, 'o', m.origin, 't', m.topic, 'p', m.payload::json)
           else json_build_object('i', m.id, 'o', m.origin, 't', m.topic) end)::text) from m`,
        [topic.name, json, origin, channel],
      ).then(prune, (error: unknown) => o.log(`push: "${topic.name}" reached this instance only; the store refused it (${(error as Error).message}).`));
    },
    subscribe<T>(topic: PushTopic<T>, handler: (payload: T) => void) {
      return fanout.add(topic.name, handler as (payload: unknown) => void);
    },
    async close() {
      closed = true;
      const client = listener;
      listener = null;
      await client?.end().catch(() => undefined);
    },
  };
}
