/**
 * Two real server processes on one PostgreSQL schema, one schedule firing every minute (pg-boss's
 * granularity): each firing happens exactly once — one instance runs its set of checks, the other does
 * nothing for that minute. No timing assertions: the test waits (polling, generous guard) for two finished
 * firings, then checks the records.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema } from '../testing/postgres';
import { prepareServerDir, ServerProcess } from '../testing/serverProcess';
import { openPostgresStore } from '../audit/postgresStore';
import { openFiringStore } from './firings';
import { jobsSchemaFor } from './pgBoss';

const schema = scratchSchema();
let pgSkip: string | null = null;
const servers: ServerProcess[] = [];
let client: pg.Client;

beforeAll(async () => {
  pgSkip = await postgresUnavailable();
  if (pgSkip) return;
  client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
});
afterAll(async () => {
  for (const s of servers) await s.kill('SIGTERM');
  if (pgSkip) return;
  await client.end();
  await dropSchema(schema);
  await dropSchema(jobsSchemaFor(schema));
});

describe('a schedule with two server instances on one PostgreSQL', () => {
  it('runs each firing exactly once across the instances', { timeout: 360_000 }, async (ctx) => {
    if (pgSkip) return ctx.skip();
    // The checks read PostgreSQL: a DuckDB warehouse file can be open in one process only, and either
    // instance may take a firing.
    const dir = await prepareServerDir({
      setupSql: 'select 1',
      snippets: {
        'daily/loaded': { target: 'pg', expect: 'rows>0', params: [{ name: 'business_date', type: 'date', default: 'today' }], text: 'select :business_date::date as business_date' },
        'daily/no-failures': { target: 'pg', expect: 'value = 0', text: 'select 0 as failed' },
      },
      auditYaml: `{store: postgres, url: ${JSON.stringify(postgresUrl())}, schema: ${schema}}`,
      connectionsYaml: `      pg: {kind: postgres, url: ${JSON.stringify(postgresUrl())}}\n`,
    });
    fs.appendFileSync(path.join(dir.dir, 'config.yaml'), 'schedules:\n  - {name: every-minute, cron: "* * * * *", env: demo, checks: [daily], params: {business_date: yesterday}}\n');
    servers.push(await ServerProcess.start(dir, 'instance-a'), await ServerProcess.start(dir, 'instance-b'));
    await Promise.all(servers.map((s) => s.waitForLog(/schedules: every-minute .* on pg-boss/)));

    type Row = { id: string; slot: string; instance: string; status: string; runs: number; run_ids: string };
    const deadline = Date.now() + 300_000;
    let rows: Row[] = [];
    for (;;) {
      rows = (await client.query<Row>(`select id, slot, instance, status, runs, run_ids from "${schema}".schedule_firings order by slot`)).rows;
      if (rows.filter((r) => r.status === 'done').length >= 2) break;
      if (Date.now() > deadline) throw new Error(`two firings never finished; firings: ${JSON.stringify(rows)}\n${servers.map((s) => s.log).join('\n---\n')}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const done = rows.filter((r) => r.status === 'done');
    // One firing per minute slot, whichever instance took it; nothing skipped, nothing doubled.
    expect(new Set(rows.map((r) => r.slot)).size).toBe(rows.length);
    expect(rows.filter((r) => r.status === 'skipped')).toEqual([]);
    for (const f of done) expect(f.runs).toBe(2);
    const runIds = done.flatMap((f) => JSON.parse(f.run_ids) as string[]);
    expect(new Set(runIds).size).toBe(runIds.length);
    // Every scheduled run is in the audit exactly once, as the service identity, and belongs to a firing.
    const audited = (await client.query<{ id: string; snippet: string; status: string }>(
      `select id, snippet, status from "${schema}".audit_log where user_name = 'opsbook-scheduler' and status <> 'running'`,
    )).rows;
    const finishedIds = new Set(runIds);
    const ofDone = audited.filter((a) => finishedIds.has(a.id));
    expect(ofDone).toHaveLength(runIds.length);
    expect(ofDone.filter((a) => a.status !== 'succeeded')).toEqual([]);
    const ofAny = new Set(rows.flatMap((f) => JSON.parse(f.run_ids) as string[]));
    expect(audited.filter((a) => !ofAny.has(a.id))).toEqual([]);
    console.log(`exactly-once: ${rows.length} firings (${done.map((f) => `${f.slot} on ${f.instance}`).join(', ')}), ${audited.length} scheduled runs audited`);
  });

  it('lets only one instance start a firing while another of the same schedule runs', async (ctx) => {
    if (pgSkip) return ctx.skip();
    const [a, b] = [await openPostgresStore(postgresUrl(), schema), await openPostgresStore(postgresUrl(), schema)];
    try {
      const [fa, fb] = [await openFiringStore(a.sql!), await openFiringStore(b.sql!)];
      const at = new Date().toISOString();
      const both = await Promise.all([
        fa.begin({ id: 'race-a', schedule: 'race', slot: '2026-12-01T07:00:00.000Z', instance: 'a', startedAt: at }),
        fb.begin({ id: 'race-b', schedule: 'race', slot: '2026-12-01T07:01:00.000Z', instance: 'b', startedAt: at }),
      ]);
      expect(both.filter(Boolean)).toHaveLength(1);
      const winner = both[0] ? 'race-a' : 'race-b';
      await fa.finish(winner, { status: 'done', endedAt: at, runs: 0, passed: 0, failed: 0, errors: 0, runIds: [], detail: null });
      expect(await fb.begin({ id: 'race-c', schedule: 'race', slot: '2026-12-01T07:02:00.000Z', instance: 'b', startedAt: at })).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
