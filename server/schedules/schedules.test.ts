/**
 * Schedules on the embedded store: a six-field cron fires in-process, each firing runs the schedule's checks
 * through the runner as the opsbook-scheduler service identity (audited like any run), a firing while the
 * previous one runs is skipped and recorded, and a schedule may name only read-only checks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDBStore } from '../audit/duckdbStore';
import { parseConfig } from '../config';
import { staticManifestStore } from '../execution/manifestStore';
import { ADMIN, makeManifest, OPERATOR, startHarness, type Harness } from '../testing/harness';
import { resolveCheckSet } from './checkSet';
import { scheduleSchema } from './config';
import { fire } from './fire';
import { openFiringStore } from './firings';
import { validateSchedules } from './index';

const SNIPPETS = {
  'daily/loaded': { expect: 'rows>0', params: [{ name: 'business_date', type: 'date', default: 'today' }], text: 'select * from loads where business_date = :business_date' },
  'daily/no-failures': { expect: 'value = 0', text: 'select count(*) from loads where status = \'FAILED\'' },
  'daily/explore': { text: 'select * from loads' },
  'daily/fix': { mode: 'write' as const, text: "update loads set status = 'OK'" },
  'daily/rebuild': { role: 'escalation' as const, expect: 'rows>0', text: 'select 1' },
};
const SETUP = `create table loads (business_date date, status varchar);
  insert into loads values (current_date - 1, 'OK'), (current_date, 'OK');`;

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, guardMs = 90_000): Promise<T> {
  const deadline = Date.now() + guardMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('what a schedule may run', () => {
  const manifest = makeManifest(SNIPPETS);
  const env = parseConfig('environments: {demo: {connections: {warehouse: {kind: duckdb, path: x.duckdb}}}}', 't.yaml').environments.demo!;
  const schedule = (checks: string[]) => scheduleSchema.parse({ name: 's', cron: '0 7 * * *', env: 'demo', checks, params: { business_date: 'yesterday' } });

  it('takes the read-only checks of a runbook or of all runbooks, with the parameters each declares', () => {
    const { checks, problems } = resolveCheckSet(manifest, schedule(['daily']), 'demo', env);
    expect(problems).toEqual([]);
    expect(checks.map((c) => [c.key, c.params])).toEqual([['daily/loaded', { business_date: 'yesterday' }], ['daily/no-failures', {}]]);
    expect(resolveCheckSet(manifest, schedule(['all']), 'demo', env).checks.map((c) => c.key)).toEqual(['daily/loaded', 'daily/no-failures']);
  });

  it('refuses a write, an escalation step, a block without a check and an unknown name, saying why', () => {
    const { problems } = resolveCheckSet(manifest, schedule(['daily/fix', 'daily/rebuild', 'daily/explore', 'nope']), 'demo', env);
    expect(problems).toEqual([
      '"daily/fix" cannot be scheduled: it writes (mode=write); a schedule runs read-only checks of service-team steps only',
      '"daily/rebuild" cannot be scheduled: it is an escalation step (it needs an approval from a person); a schedule runs read-only checks of service-team steps only',
      '"daily/explore" cannot be scheduled: it has no check condition (expect, warn or error); a schedule runs read-only checks of service-team steps only',
      '"nope" is neither a runbook id, a check key nor "all"',
    ]);
    const config = parseConfig('environments: {demo: {connections: {warehouse: {kind: duckdb, path: x.duckdb}}}}\nschedules:\n  - {name: bad, cron: "0 7 * * *", env: demo, checks: [daily/fix]}\n', 't.yaml');
    expect(validateSchedules({ config, manifest: staticManifestStore(manifest) })[0]).toMatch(/^schedules\.0\.checks \(bad\): "daily\/fix" cannot be scheduled: it writes/);
  });

  it('refuses a bad cron expression, time zone or environment in the configuration', () => {
    const parse = (s: string) => () => parseConfig(`environments: {demo: {connections: {warehouse: {kind: duckdb, path: x.duckdb}}}}\nschedules:\n  - ${s}\n`, 't.yaml');
    expect(parse('{name: a, cron: "every day", env: demo, checks: [all]}')).toThrow(/schedules\.0\.cron: not a cron expression/);
    expect(parse('{name: a, cron: "0 7 * * *", timezone: Mars/Base, env: demo, checks: [all]}')).toThrow(/"Mars\/Base" is not an IANA time zone/);
    expect(parse('{name: a, cron: "0 7 * * *", env: prod, checks: [all]}')).toThrow(/schedules\.0\.env: "prod" is not one of the environments/);
  });
});

describe('a schedule on the embedded store', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      setupSql: SETUP,
      snippets: SNIPPETS,
      extraConfig: 'schedules:\n  - {name: every-second, cron: "* * * * * *", timezone: Europe/London, env: demo, checks: [daily], params: {business_date: yesterday}}\n',
    });
  });
  afterAll(() => h?.close());

  it('fires in-process and runs its checks as opsbook-scheduler, audited like any run', async () => {
    type Firing = { status: string; runs: number; passed: number; runIds: string[]; slot: string };
    const firings = await until('two finished firings', async () => {
      const res = await h.api('GET', '/api/schedules', ADMIN);
      const done = (res.body.firings as Firing[]).filter((f) => f.status === 'done');
      return done.length >= 2 ? done : null;
    });
    for (const f of firings) expect(f).toMatchObject({ runs: 2, passed: 2 });
    const runIds = firings.flatMap((f) => f.runIds);
    const runs = h.audit.events.filter((e) => e.user === 'opsbook-scheduler' && e.status !== 'running' && runIds.includes(e.id ?? ''));
    expect(runs).toHaveLength(runIds.length);
    expect(new Set(runs.map((r) => r.snippet))).toEqual(new Set(['daily/loaded', 'daily/no-failures']));
    // `yesterday` resolved on the server, like a page's default.
    expect(runs.find((r) => r.snippet === 'daily/loaded')!.params.business_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(runs.every((r) => r.roles.join() === 'service-team')).toBe(true);
    // The same record a page run makes, with the schedule as its origin.
    const results = (await h.api('GET', '/api/checks/history?env=demo&key=daily/loaded&limit=50', ADMIN)).body.results as { ranBy: string; origin: string; verdict: string; runId: string }[];
    const scheduled = results.filter((r) => runIds.includes(r.runId));
    expect(scheduled.length).toBe(firings.length);
    expect(scheduled.every((r) => r.ranBy === 'opsbook-scheduler' && r.origin === 'schedule' && r.verdict === 'ok')).toBe(true);
  });

  it('lists the schedule with its next run for admins and approvers only', async () => {
    const list = (await h.api('GET', '/api/schedules', ADMIN)).body.schedules as { name: string; nextRun: string }[];
    expect(list).toEqual([expect.objectContaining({ name: 'every-second', cron: '* * * * * *', env: 'demo', nextRun: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) })]);
    expect((await h.api('GET', '/api/schedules', OPERATOR)).status).toBe(403);
    expect((await h.api('GET', '/api/notifications', OPERATOR)).status).toBe(403);
    expect((await h.api('GET', '/api/notifications', ADMIN)).status).toBe(200);
  });
});

describe('overlap', () => {
  it('skips and records a firing while the previous one of the same schedule is still running', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-firings-'));
    const store = await openDuckDBStore(path.join(dir, 'state.duckdb'));
    try {
      const firings = await openFiringStore(store.sql!);
      const started = { schedule: 'slow', instance: 'a', startedAt: new Date().toISOString() };
      expect(await firings.begin({ ...started, id: 'f1', slot: '2026-12-01T07:00:00.000Z' })).toBe(true);
      const config = parseConfig('environments: {demo: {connections: {warehouse: {kind: duckdb, path: x.duckdb}}}}', 't.yaml');
      const logs: string[] = [];
      const status = await fire(
        { runner: { config, manifest: staticManifestStore(makeManifest(SNIPPETS)), connectors: null as never, audit: null as never, approvals: null }, firings, instance: 'a', log: (m) => logs.push(m), signal: new AbortController().signal, staleBefore: (n) => new Date(n.getTime() + 1) },
        scheduleSchema.parse({ name: 'slow', cron: '* * * * *', env: 'demo', checks: ['all'] }),
        new Date('2026-12-01T07:01:00.000Z'),
      );
      expect(status).toBe('skipped');
      const list = await firings.list({ schedule: 'slow', limit: 10 });
      expect(list.map((f) => [f.slot, f.status]).sort()).toEqual([['2026-12-01T07:00:00.000Z', 'running'], ['2026-12-01T07:01:00.000Z', 'skipped']]);
      expect(logs[0]).toMatch(/^schedules: Skipped: the previous firing of slow was still running/);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
