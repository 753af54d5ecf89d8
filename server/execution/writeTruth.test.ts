/**
 * Writes tell the truth, end to end on DuckDB through the real app: `done` carries the rows a write
 * changed (0 is not "1 row"), `expect="affected …"` is decided inside the transaction so a write that
 * misses its target rolls back, the audit records rows changed, and `today` is the runbook zone's day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVER, OPERATOR, startHarness, type Harness, type TestClient } from '../testing/harness';
import type { DoneMessage } from '../protocol';

let h: Harness;
let client: TestClient;
let n = 0;
const write = (text: string, extra: Record<string, unknown> = {}) => ({ text, mode: 'write' as const, ...extra });
const businessDate = [{ name: 'business_date', type: 'date', default: 'today' }];

beforeAll(async () => {
  h = await startHarness({
    setupSql: `create table date_control (pipeline varchar primary key, business_date date);
      insert into date_control values ('ecomm', '2026-11-30'), ('investor', '2026-11-30'), ('retail', '2026-11-30');`,
    // 20:00 UTC on 1 December: already 2 December in Bangkok.
    now: () => new Date('2026-12-01T20:00:00Z'),
    snippets: {
      'w/set-all': write("update date_control set business_date = date '2026-12-01'"),
      'w/set-one': write('update date_control set business_date = :business_date where pipeline = :pipeline', {
        params: [...businessDate, { name: 'pipeline', type: 'string', default: 'ecomm' }],
        expect: 'affected > 0',
        timezone: 'Asia/Bangkok',
      }),
      'w/set-one-utc': write('update date_control set business_date = :business_date where pipeline = :pipeline', {
        params: [...businessDate, { name: 'pipeline', type: 'string', default: 'investor' }],
      }),
      'w/set-two-of-three': write("update date_control set business_date = date '2030-01-01' where pipeline <> 'ecomm'", { expect: 'affected = 3' }),
      // An escalation in a Bangkok runbook: the approval and the run must resolve `today` to the same day.
      'w/escalated-zoned': write('update date_control set business_date = :business_date where pipeline = :pipeline', {
        params: [...businessDate, { name: 'pipeline', type: 'string', default: 'retail' }],
        timezone: 'Asia/Bangkok', role: 'escalation', approver: 'approver',
      }),
      'r/date-of': { text: 'select business_date from date_control where pipeline = :pipeline', params: [{ name: 'pipeline', type: 'string', default: null }] },
    },
  });
  client = await h.connect();
}, 60_000);
afterAll(async () => {
  client?.close();
  await h?.close();
});

function run(snippet: string, params: Record<string, string> = {}): Promise<DoneMessage> {
  const id = `w${++n}`;
  client.send({ type: 'run', id, snippet, sha256: h.manifest.snippets[snippet]!.sha256, env: 'demo', params });
  return client.done(id, 30_000);
}
async function dateOf(pipeline: string): Promise<string> {
  const id = `w${++n}`;
  client.send({ type: 'run', id, snippet: 'r/date-of', sha256: h.manifest.snippets['r/date-of']!.sha256, env: 'demo', params: { pipeline } });
  await client.done(id, 30_000);
  const rows = client.of(id).flatMap((m) => (m.type === 'rows' ? m.rows : []));
  return String(rows[0]?.[0]);
}
const auditOf = (snippet: string) => h.audit.events.filter((e) => e.snippet === snippet).at(-1);

describe('a SQL write on DuckDB', () => {
  it('reports the rows it changed, not the engine\'s one-row count table', async () => {
    const done = await run('w/set-all');
    expect(done).toMatchObject({ status: 'succeeded', rowsAffected: 3, rowCount: 0 });
    expect(auditOf('w/set-all')).toMatchObject({ status: 'succeeded', rowsAffected: 3, dryRun: false });
  });

  it('reports 0 rows changed when it matches nothing, and a check on affected rows fails and rolls back', async () => {
    const done = await run('w/set-one', { pipeline: 'ecommerce' });
    expect(done).toMatchObject({ status: 'failed', rowsAffected: 0, rolledBack: true, check: { passed: false } });
    expect(done.check!.detail).toMatch(/0 rows changed; expected affected > 0\. The write was rolled back/);
    expect(done.error).toBeUndefined();
    expect(auditOf('w/set-one')).toMatchObject({ status: 'failed', rowsAffected: 0, check: false });
  });

  it('rolls back a write that changed rows but not the number its check expects: the rows are unchanged', async () => {
    const before = [await dateOf('investor'), await dateOf('retail')];
    const done = await run('w/set-two-of-three');
    expect(done).toMatchObject({ status: 'failed', rowsAffected: 2, rolledBack: true, check: { passed: false } });
    expect([await dateOf('investor'), await dateOf('retail')]).toEqual(before);
  });

  it('resolves a today default in the runbook zone: Bangkok is already on 2 December', async () => {
    const done = await run('w/set-one');
    expect(done).toMatchObject({ status: 'succeeded', rowsAffected: 1, check: { passed: true } });
    expect(done.rolledBack).toBeUndefined();
    expect(auditOf('w/set-one')!.params).toMatchObject({ business_date: '2026-12-02' });
    expect(await dateOf('ecomm')).toBe('2026-12-02');
  });

  it('resolves the same instant to 1 December in a runbook without a zone (UTC)', async () => {
    await run('w/set-one-utc');
    expect(auditOf('w/set-one-utc')!.params).toMatchObject({ business_date: '2026-12-01' });
  });
});

describe('GET /api/dates', () => {
  it('answers today and yesterday in the zone asked for, by the server clock', async () => {
    expect((await h.api('GET', '/api/dates?tz=Asia/Bangkok')).body).toEqual({ timezone: 'Asia/Bangkok', today: '2026-12-02', yesterday: '2026-12-01', at: '2026-12-01T20:00:00.000Z' });
    expect((await h.api('GET', '/api/dates?tz=UTC')).body).toMatchObject({ today: '2026-12-01', yesterday: '2026-11-30' });
  });

  it('refuses an unknown zone with a 400 that says what to send', async () => {
    const r = await h.api('GET', '/api/dates?tz=Mars/Olympus');
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/"Mars\/Olympus" is not a known IANA time zone/);
  });
});

describe('an escalation in a runbook with a time zone', () => {
  it('binds the approval and the run to the same zoned date, so the approved run is accepted', async () => {
    const key = 'w/escalated-zoned';
    const sha256 = h.manifest.snippets[key]!.sha256;
    const requested = await h.api('POST', '/api/approvals', OPERATOR, { snippet: key, sha256, env: 'demo', params: {}, reason: 'move retail to today' });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    expect(requested.body.params).toMatchObject({ business_date: '2026-12-02' });
    expect((await h.api('POST', `/api/approvals/${requested.body.id}/decision`, APPROVER, { decision: 'approve', comment: 'ok' })).status).toBe(200);
    const id = `w${++n}`;
    client.send({ type: 'run', id, snippet: key, sha256, env: 'demo', params: {}, approval: requested.body.id });
    expect(await client.done(id, 30_000)).toMatchObject({ status: 'succeeded', rowsAffected: 1 });
    expect(await dateOf('retail')).toBe('2026-12-02');
  });
});
