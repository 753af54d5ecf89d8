/**
 * A page sent while working in an operation records its delivery's outcome even when the server that queued
 * it is not the one that delivers it: here the first server's delivery attempt fails (PagerDuty busy), it
 * stops, and a new server on the same state store delivers it — and records PagerDuty's answer in the
 * operation. A delivery that settled while no server could record it is recorded at the next start, once.
 * Real state stores (DuckDB, and PostgreSQL when it is up) and outbox; PagerDuty answers through an injected fetch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config';
import { openDuckDBStore } from '../audit/duckdbStore';
import { openPostgresStore } from '../audit/postgresStore';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema } from '../testing/postgres';
import type { StateStore } from '../audit/types';
import { createOutbox, type Outbox } from '../notifications/outbox';
import { openOutboxStore } from '../notifications/sql';
import { channelResolver } from '../notifications/channels';
import type { Identity } from '../identity';
import type { AuditSink } from '../execution/audit';
import type { OperationEventData } from '../operations/types';
import { createPaging } from './paging';
import { sqlPageDeliveries } from './pageDeliveries';
import type { ServerOpsData } from './routing';

type PageEvent = Extract<OperationEventData, { kind: 'page' }>;

const config = parseConfig(
  [
    'environments:',
    '  demo:',
    '    connections:',
    '      warehouse: {kind: duckdb, path: x.duckdb}',
    'alerts:',
    '  channels:',
    '    pager: {kind: pagerduty, routingKey: "${PAGING_TEST_PD_KEY}", url: "http://pagerduty.test/v2/enqueue"}',
    '  retryBaseMs: 600000',
    'paging: {channels: [pager], roles: [service-team]}',
    '',
  ].join('\n'),
  'x.yaml',
  { PAGING_TEST_PD_KEY: 'R0123456789abcdef0123456789abcdf' },
);
const opsData: ServerOpsData = {
  escalation: { profit: { title: 'Profit – Aggregate', pipeline: 'profit-aggregate', levels: [{ name: 'Data Engineering Manager', who: 'Data Engineering Manager' }] } },
  people: { 'Data Engineering Manager': { slack: '@de-manager' } },
};
const operator: Identity = { user: 'dana.operator', displayName: 'Dana Operator', roles: ['service-team'], groups: ['ops'] };
const audit: AuditSink = { record: async () => true, flush: async () => undefined };

const pgSkip = await postgresUnavailable();
const cleanups: (() => Promise<void>)[] = [];
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  for (const c of cleanups.splice(0)) await c();
});

/** A state store that outlives one server: a DuckDB file, or a PostgreSQL schema. */
interface StoreKind {
  readonly name: string;
  readonly skip: string | null;
  /** A fresh place for one test's store; opening it again is the restart. */
  place(): string;
  open(place: string): Promise<StateStore>;
}
const KINDS: readonly StoreKind[] = [
  {
    name: 'DuckDB',
    skip: null,
    place() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-paging-'));
      cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
      return dir;
    },
    open: (dir) => openDuckDBStore(path.join(dir, 'state.duckdb')),
  },
  {
    name: 'PostgreSQL',
    skip: pgSkip,
    place() {
      const schema = scratchSchema('paging_it');
      cleanups.push(() => dropSchema(schema));
      return schema;
    },
    open: (schema) => openPostgresStore(postgresUrl(), schema, () => undefined),
  },
];

/** One server's paging and outbox on the state store at `place`; `answer` is PagerDuty's reply to each attempt. */
async function server(kind: StoreKind, place: string, answer: () => Response, now: () => Date = () => new Date(), o: { readonly listen?: boolean } = {}) {
  const store: StateStore = await kind.open(place);
  open.push(store);
  const recorded: PageEvent[] = [];
  let paging: ReturnType<typeof createPaging> | null = null;
  const attempts: string[] = [];
  const outbox: Outbox = createOutbox({
    store: await openOutboxStore(store.sql!),
    channels: channelResolver(config),
    policy: { maxAttempts: 5, baseMs: 600_000, maxMs: 600_000, timeoutMs: 5_000 },
    instance: 'test-instance',
    log: () => undefined,
    now,
    fetch: async () => {
      const res = answer();
      attempts.push(String(res.status));
      return res;
    },
    // Not listening: as when the server stops between a delivery attempt and recording its answer.
    onSettled: (d) => void (o.listen === false ? undefined : paging?.delivered(d)),
  });
  open.push(outbox);
  paging = createPaging({
    config, data: () => opsData, outbox, audit, now,
    routing: { levelData: () => ({ oncall: {}, ownership: {}, people: opsData.people ?? {} }), paged: async () => undefined },
    operations: { recordPage: async (_operation, _by, page) => (recorded.push(page), true) },
    deliveries: sqlPageDeliveries(store.sql!),
  });
  return { store, outbox, paging, recorded, attempts };
}

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !probe(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!probe()) throw new Error(`${what} never happened`);
}

const pdAccepted = (dedupKey: string) => new Response(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: dedupKey }), { status: 202 });

describe.each(KINDS)('a page in an operation (state in $name)', (kind) => {
  it('records the answer of a delivery made by the server after a restart', async (ctx) => {
    // Without PostgreSQL the DuckDB half still runs and the skip says why (OPSBOOK_REQUIRE_SERVICES=1 fails instead).
    if (kind.skip) return ctx.skip(kind.skip);
    const place = kind.place();
    const first = await server(kind, place, () => new Response('busy', { status: 503 }));
    await first.paging.page(operator, { ladder: 'profit', level: 0, summary: 'Profit for 29 Nov is missing', operation: 'op-7' });
    await until('the first attempt', () => first.attempts.length === 1);
    expect(first.recorded.map((p) => p.outcome)).toEqual(['queued']);
    // The server stops with the page still to deliver (its retry is 10 minutes away).
    for (const o of open.splice(0).reverse()) await o.close();

    const dedupKey = 'opsbook-page-profit-0-op-7';
    const second = await server(kind, place, () => pdAccepted(dedupKey), () => new Date(Date.now() + 3_600_000));
    await until('the delivery after the restart recorded', () => second.recorded.length === 1);
    expect(second.recorded[0]).toMatchObject({ kind: 'page', outcome: 'sent', target: 'Data Engineering Manager', channels: ['pager'], dedupKey, httpStatus: 202 });
    expect(JSON.parse(second.recorded[0]!.answer!)).toMatchObject({ status: 'success', dedup_key: dedupKey });
    // Recorded once: nothing is left for a later start to record again.
    expect(await second.paging.recover()).toBe(0);
  });

  it('records at the next start a delivery that settled while no server recorded it, once', async (ctx) => {
    // Without PostgreSQL the DuckDB half still runs and the skip says why (OPSBOOK_REQUIRE_SERVICES=1 fails instead).
    if (kind.skip) return ctx.skip(kind.skip);
    const place = kind.place();
    const first = await server(kind, place, () => new Response('no such routing key', { status: 400 }), () => new Date(), { listen: false });
    await first.paging.page(operator, { ladder: 'profit', level: 0, summary: 'Profit for 29 Nov is missing', operation: 'op-8' });
    await until('the refused attempt', () => first.attempts.length === 1);
    for (const o of open.splice(0).reverse()) await o.close();

    const second = await server(kind, place, () => pdAccepted('x'), () => new Date(Date.now() + 120_000));
    expect(await second.paging.recover()).toBe(1);
    expect(second.recorded).toEqual([expect.objectContaining({ outcome: 'failed', httpStatus: 400, channels: ['pager'], dedupKey: 'opsbook-page-profit-0-op-8' })]);
    expect(second.recorded[0]!.answer).toMatch(/no such routing key|400/);
    expect(await second.paging.recover()).toBe(0);
  });
});
