/**
 * The per-user run limit across instances on a real PostgreSQL: leases taken on two instances count
 * together, a given-back lease frees its slot, concurrent acquires never overshoot, and the leases of an
 * instance whose heartbeat lapsed stop counting (the clock is injected: no waiting for staleness).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema } from '../testing/postgres';
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
    first!();
    await expect.poll(async () => (await admin.query(`select count(*)::int as n from "${schema}".run_leases where user_name = 'dana'`)).rows[0].n).toBe(1);
    const third = await b.acquire('dana', 2);
    expect(third).toBeTypeOf('function');
    second!();
    third!();
  });

  it('never hands out more than the limit to acquires racing on two instances', async () => {
    const got = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).acquire('racer', 3)));
    expect(got.filter(Boolean)).toHaveLength(3);
    for (const release of got) release?.();
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
});
