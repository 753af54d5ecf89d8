/**
 * The per-user run limit across instances on a real PostgreSQL: leases taken on two instances count
 * together, a given-back lease frees its slot, concurrent acquires never overshoot, and the leases of an
 * instance whose heartbeat lapsed stop counting (the clock is injected: no waiting for staleness).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, postgresUnavailable, postgresUrl, postgresUrlFor, scratchSchema } from '../testing/postgres';
import { postgresRunLeases, type RunLeases } from './runLeases';

const skip = await postgresUnavailable();
const schema = scratchSchema('cluster_leases');
const STALE_MS = 30_000;

describe.skipIf(skip)('run leases on PostgreSQL', () => {
  let admin: pg.Client;
  let clock = new Date('2026-12-02T03:00:00Z');
  const now = () => clock;
  const open = (instance: string): RunLeases => postgresRunLeases({ url: postgresUrl(), schema, instance, staleAfterMs: STALE_MS, log: () => undefined, now });
  const beat = (instance: string, at: Date) =>
    admin.query(`insert into "${schema}".instances (id, seen_at) values ($1, $2) on conflict (id) do update set seen_at = excluded.seen_at`, [instance, at.toISOString()]);
  let a: RunLeases;
  let b: RunLeases;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
    await admin.query(`create schema "${schema}"`);
    await admin.query(`create table "${schema}".instances (id varchar primary key, seen_at varchar not null)`);
    await beat('a', clock);
    await beat('b', clock);
    a = open('a');
    b = open('b');
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await admin?.end();
    await dropSchema(schema);
  });

  it('counts one user\'s leases on every instance together and frees a slot when one is given back', async () => {
    const first = await a.acquire('dana', 2);
    const second = await b.acquire('dana', 2);
    expect(first).toBeTypeOf('function');
    expect(second).toBeTypeOf('function');
    expect(await a.acquire('dana', 2)).toBeNull();
    expect(await b.acquire('dana', 2)).toBeNull();
    expect(await b.acquire('imani', 2)).toBeTypeOf('function'); // another user is not held up
    // Given back means free: the page hears its run is done only after this, so its next run is never refused.
    await first!();
    expect((await admin.query(`select count(*)::int as n from "${schema}".run_leases where user_name = 'dana'`)).rows[0].n).toBe(1);
    const third = await b.acquire('dana', 2);
    expect(third).toBeTypeOf('function');
    await second!();
    await third!();
  });

  it('never hands out more than the limit to acquires racing on two instances', async () => {
    const got = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).acquire('racer', 3)));
    expect(got.filter(Boolean)).toHaveLength(3);
    for (const release of got) await release?.();
  });

  it('stops counting the leases of an instance whose heartbeat lapsed', async () => {
    const held = await a.acquire('oskar', 1);
    expect(held).toBeTypeOf('function');
    expect(await b.acquire('oskar', 1)).toBeNull();
    // B keeps beating; A falls silent past the stale time (A was killed and never gave its lease back).
    clock = new Date(clock.getTime() + STALE_MS + 1_000);
    await beat('b', clock);
    const after = await b.acquire('oskar', 1);
    expect(after).toBeTypeOf('function');
    const left = await admin.query(`select instance from "${schema}".run_leases where user_name = 'oskar'`);
    expect(left.rows).toEqual([{ instance: 'b' }]); // A's lease was deleted, not just ignored
    after!();
  });

  // The store dropping the very connection a lease is being taken on (a restart, a failover, or every
  // connection terminated at once) used to end the whole server: pg emits `error` on a checked-out client,
  // and nothing listened. The run then got no answer at all instead of its `unavailable` refusal.
  it('refuses the lease, and keeps the process, when the store drops the connection it is being taken on', async () => {
    const app = `opsbook_lease_drop_${process.pid}`;
    const c = postgresRunLeases({ url: postgresUrlFor(app), schema, instance: 'c', staleAfterMs: STALE_MS, log: () => undefined, now });
    const holder = new pg.Client({ connectionString: postgresUrl() });
    await holder.connect();
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      // Another instance is taking zoe's lease: c's acquire waits on the same per-user lock, on its connection.
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock(727003, hashtext($1))', ['zoe']);
      const waiting = c.acquire('zoe', 1);
      const waiter = async () => (await admin.query(`select pid from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'`, [app])).rows[0]?.pid as number | undefined;
      await expect.poll(waiter, { timeout: 10_000 }).toBeTypeOf('number');
      await admin.query('select pg_terminate_backend($1)', [await waiter()]);
      await expect(waiting).rejects.toThrow(/terminat/);
      await holder.query('commit');
      // The dead connection went, not back to the pool: the next acquire gets a working one.
      const again = await c.acquire('zoe', 1);
      expect(again).toBeTypeOf('function');
      again!();
      expect(uncaught).toEqual([]); // in the server, an uncaught error here is the process gone
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      await holder.end();
      await c.close();
    }
  });

  // A store down while the server started: the lease table could not be prepared, and every run after was
  // refused for the rest of the process's life, even once the store was back.
  it('takes leases once the store is back, when it was down as the instance started', async () => {
    const database = `opsbook_lease_late_${process.pid}`;
    const url = new URL(postgresUrl());
    url.pathname = `/${database}`;
    await admin.query(`create database ${database}`);
    const late = new pg.Client({ connectionString: url.toString() });
    await late.connect();
    await late.query(`create schema "${schema}"`);
    await late.query(`create table "${schema}".instances (id varchar primary key, seen_at varchar not null)`);
    await late.end();
    await admin.query(`alter database ${database} allow_connections false`);
    const d = postgresRunLeases({ url: url.toString(), schema, instance: 'd', staleAfterMs: STALE_MS, log: () => undefined, now });
    try {
      await expect(d.acquire('quinn', 1)).rejects.toThrow(/not currently accepting connections/);
      await admin.query(`alter database ${database} allow_connections true`);
      const release = await d.acquire('quinn', 1);
      expect(release).toBeTypeOf('function');
      await release!();
    } finally {
      await d.close();
      await admin.query(`alter database ${database} allow_connections true`);
      await admin.query(`drop database if exists ${database} with (force)`);
    }
  });
});
