/**
 * The PostgreSQL push bus on a real PostgreSQL: delivery to another bus (inline and by reference), no echo
 * to the publisher, and a LISTEN connection killed under it that reconnects and catches up in order.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlExec } from '../audit/sqlStore';
import type { Row } from '../audit/sql';
import { dropSchema, postgresUnavailable, postgresUrl, postgresUrlFor, scratchSchema } from '../testing/postgres';
import { postgresBus, type PostgresBus } from './postgres';
import { pushTopic } from './types';

const skip = await postgresUnavailable();
const schema = scratchSchema('cluster_push');
const TOPIC = pushTopic<{ n: number; text?: string }>('test.topic');

function poolExec(): SqlExec & { pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: postgresUrl(), max: 2 });
  return { pool, query: async (sql, values = []) => (await pool.query(sql, values as unknown[])).rows as Row[], close: () => pool.end() };
}

/** Collects a subscriber's payloads; `next(k)` resolves once k have arrived. */
function collector() {
  const got: { n: number; text?: string }[] = [];
  const waiters: { k: number; resolve: () => void }[] = [];
  return {
    got,
    handler: (p: { n: number; text?: string }) => {
      got.push(p);
      for (const w of [...waiters]) if (got.length >= w.k) w.resolve();
    },
    next: (k: number) => new Promise<void>((resolve) => (got.length >= k ? resolve() : waiters.push({ k, resolve }))),
  };
}

describe.skipIf(skip)('postgres push bus', () => {
  const execs: (SqlExec & { pool: pg.Pool })[] = [];
  const buses: PostgresBus[] = [];
  const logs: string[] = [];
  let lost: () => void = () => undefined;
  let listening: () => void = () => undefined;
  let release: () => void = () => undefined;
  let holdReconnect = false;
  let a: PostgresBus;
  let b: PostgresBus;
  const appA = `cluster-push-a-${schema}`.slice(0, 60);

  beforeAll(async () => {
    const execA = poolExec();
    const execB = poolExec();
    execs.push(execA, execB);
    a = postgresBus({
      url: postgresUrlFor(appA), schema, exec: execA, log: (m) => logs.push(m), reconnectDelaysMs: [0],
      onListenerState: (state) => (state === 'lost' ? lost() : listening()),
      beforeReconnect: () => (holdReconnect ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve()),
    });
    b = postgresBus({ url: postgresUrl(), schema, exec: execB, log: (m) => logs.push(m) });
    buses.push(a, b);
    await Promise.all([a.ready, b.ready]);
  });

  afterAll(async () => {
    for (const bus of buses) await bus.close();
    for (const e of execs) await e.close();
    await dropSchema(schema);
  });

  it('delivers a publish on one bus to the other, and to the publisher once', async () => {
    const onA = collector();
    const onB = collector();
    const offA = a.subscribe(TOPIC, onA.handler);
    const offB = b.subscribe(TOPIC, onB.handler);
    await b.publish(TOPIC, { n: 1 });
    await onA.next(1);
    await a.publish(TOPIC, { n: 2 });
    await onB.next(2);
    // A round trip through B after A's publish: had A echoed its own message, it would be here by now.
    await b.publish(TOPIC, { n: 3 });
    await onA.next(3);
    offA();
    offB();
    expect(onA.got.map((p) => p.n)).toEqual([1, 2, 3]);
    expect(onB.got.map((p) => p.n)).toEqual([1, 2, 3]);
  });

  it('sends a payload over NOTIFY\'s 8000-byte limit by reference', async () => {
    const onA = collector();
    const off = a.subscribe(TOPIC, onA.handler);
    const text = 'x'.repeat(50_000);
    await b.publish(TOPIC, { n: 4, text });
    await onA.next(1);
    off();
    expect(onA.got[0]).toEqual({ n: 4, text });
  });

  it('reconnects a killed LISTEN connection and delivers, in order, what was published while it was down', async () => {
    const onA = collector();
    const off = a.subscribe(TOPIC, onA.handler);
    holdReconnect = true;
    const wentDeaf = new Promise<void>((resolve) => (lost = resolve));
    const killer = new pg.Client({ connectionString: postgresUrl() });
    await killer.connect();
    const killed = await killer.query('select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1', [appA]);
    await killer.end();
    expect(killed.rowCount).toBe(1);
    await wentDeaf;
    // A is deaf and holding its reconnect: these can only reach it through the catch-up.
    await b.publish(TOPIC, { n: 5 });
    await b.publish(TOPIC, { n: 6, text: 'y'.repeat(9_000) });
    await b.publish(TOPIC, { n: 7 });
    expect(onA.got).toEqual([]);
    const back = new Promise<void>((resolve) => (listening = resolve));
    holdReconnect = false;
    release();
    await back;
    await onA.next(3);
    // And live delivery works again on the new connection.
    await b.publish(TOPIC, { n: 8 });
    await onA.next(4);
    off();
    expect(onA.got.map((p) => p.n)).toEqual([5, 6, 7, 8]);
    expect(logs.some((m) => /LISTEN connection dropped/.test(m))).toBe(true);
    expect(logs.some((m) => /delivered 3 message\(s\) published while the connection was down/.test(m))).toBe(true);
    expect(logs.filter((m) => /could not|refused/.test(m))).toEqual([]);
  });
});
