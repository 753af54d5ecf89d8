/**
 * Tableau blocks against the REST API contract fake (testing/fakeTableau.ts), which validates every request
 * as Tableau documents it: a refresh is previewed without being started, then queued and followed to its end;
 * an expired session signs in again once; a 429 is waited out for its Retry-After; an unknown or ambiguous
 * name says how to fix the block; a failed job fails the block with Tableau's notes; stopping cancels the job.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveCommand } from '../../../../plugins/remark-runbook/syntax/systems/grammar';
import { TABLEAU_GRAMMAR } from '../../../../plugins/remark-runbook/syntax/systems/tableau';
import { checkConnections } from '../../../checkConfig';
import { parseConfig } from '../../../config';
import type { ServerMessage } from '../../../protocol';
import { output } from '../../airflow/execute/channel';
import { grid } from '../grid';
import { createTableauClient, filterValue, type TableauClient } from './client';
import { runTableau } from './execute';
import { FakeTableau, parseFilter, toXml } from './testing/fakeTableau';

const fake = new FakeTableau({
  datasources: [
    { name: 'Sales KPI', project: 'Ecommerce', updatedAt: '2026-12-01T22:40:00Z', rows: [
      { kpi_date: '2026-11-30', orders: 410, refreshed_at: '2026-12-01T22:20:00' },
      { kpi_date: '2026-12-01', orders: 432, refreshed_at: '2026-12-01T22:20:00' },
    ] },
    { name: 'Product KPI', project: 'Ecommerce', updatedAt: '2026-12-01T22:41:00Z' },
    { name: 'Orders, live', project: 'Ecommerce', updatedAt: '2026-12-01T00:00:00Z', hasExtracts: false },
    { name: 'Returns', project: 'Ecommerce', updatedAt: '2026-12-01T00:00:00Z' },
    { name: 'Returns', project: 'Finance', updatedAt: '2026-12-01T00:00:00Z' },
  ],
  workbooks: [{ name: 'Ecommerce KPIs', project: 'Ecommerce', updatedAt: '2026-12-01T22:45:00Z' }],
});
let url: string;
let client: TableauClient;
const sleeps: number[] = [];

beforeAll(async () => {
  url = await fake.start();
});
afterAll(async () => {
  await client?.close();
  await fake.close();
});
beforeEach(() => {
  client = createTableauClient({ url, site: fake.site, tokenName: fake.tokenName, tokenSecret: fake.tokenSecret, apiVersion: fake.apiVersion, sleep: async (ms) => void sleeps.push(ms) });
  sleeps.length = 0;
});

async function run(text: string, o: { preview?: boolean; signal?: AbortSignal; onState?: () => void } = {}) {
  const resolved = resolveCommand(TABLEAU_GRAMMAR, text, {});
  if (!resolved.ok) throw new Error(resolved.message);
  const messages: ServerMessage[] = [];
  const channel = {
    send: (m: ServerMessage) => {
      messages.push(m);
      if (m.type === 'state') o.onState?.();
    },
    rows: async (batch: readonly (readonly unknown[])[]) => void messages.push({ type: 'rows', id: 'x', rows: batch as never }),
  };
  const result = await runTableau(client, resolved.command, {
    out: output(channel, 'x', 100), grid: grid(channel, 'x', 100), signal: o.signal ?? new AbortController().signal, preview: o.preview ?? false, maxRows: 100, pollMs: 0, wait: async () => undefined,
  });
  return {
    result,
    rows: messages.flatMap((m) => (m.type === 'rows' ? m.rows : [])),
    states: messages.flatMap((m) => (m.type === 'state' ? [m] : [])),
    logs: messages.flatMap((m) => (m.type === 'log' ? [m.text] : [])).join(''),
  };
}

const queries = () => fake.requests.filter((r) => r.path === '/api/v1/vizql-data-service/query-datasource');

const refreshes = () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/refresh'));

describe('tableau blocks', () => {
  it('preview a refresh without starting it', async () => {
    const before = refreshes().length;
    const { rows, logs } = await run('tableau datasource refresh "Sales KPI"', { preview: true });
    expect(rows).toEqual([['datasource', 'Sales KPI', 'Ecommerce', fake.datasources[0]!.id, '2026-12-01T22:40:00Z', null]]);
    expect(logs).toMatch(/Dry run: confirming would refresh the extract of the data source "Sales KPI" \(project Ecommerce\)[\s\S]*Nothing was started\./);
    expect(refreshes().length).toBe(before);
  });

  it('refresh a data source once confirmed: the job is followed to its end and its outcome lands in the grid', async () => {
    const { result, rows, states, logs } = await run('tableau datasource refresh "Sales KPI"');
    expect(result).toEqual({});
    const job = [...fake.jobs.values()].at(-1)!;
    expect(job.item.name).toBe('Sales KPI');
    expect(rows).toEqual([['Sales KPI', job.id, 'Success', job.createdAt, job.startedAt, job.completedAt, null]]);
    expect(states.map((s) => s.type === 'state' && s.state.state)).toEqual(['running', 'running', 'success']);
    expect(logs).toMatch(new RegExp(`refresh of the data source "Sales KPI" queued as job ${job.id}[\\s\\S]*refreshing, 50% done[\\s\\S]*100% done[\\s\\S]*Job ${job.id}: SUCCESS`));
    // Every call after sign-in carried a live session token, asked for JSON, and named the signed-in site.
    for (const r of fake.requests.filter((q) => !q.path.endsWith('/auth/signin'))) {
      expect(r.headers['x-tableau-auth']).toMatch(/^[0-9a-f]{32}$/);
      expect(r.headers.accept).toBe('application/json');
      expect(r.status).toBeLessThan(400);
    }
    expect(fake.requests.find((r) => r.path.includes('/datasources?'))!.path).toContain(`/sites/${fake.siteId}/datasources?filter=name%3Aeq%3ASales+KPI`);
  });

  it('refresh a workbook the same way', async () => {
    const { result, rows } = await run('tableau workbook refresh "Ecommerce KPIs"');
    expect(result).toEqual({});
    expect(rows[0]!.slice(0, 3)).toEqual(['Ecommerce KPIs', [...fake.jobs.values()].at(-1)!.id, 'Success']);
  });

  it('show when an item last changed and its latest refresh jobs, newest first', async () => {
    const { rows, logs } = await run('tableau datasource status "Sales KPI" --limit 2');
    const ids = [...fake.jobs.values()].filter((j) => j.item.name === 'Sales KPI').map((j) => j.id);
    expect(rows.map((r) => [r[0], r[3], r[4]])).toEqual([['Sales KPI', ids.at(-1), 'Success']]);
    expect(logs).toMatch(/The data source "Sales KPI" was last updated 2026-12-02T/);
  });

  it('sign in again once when the session has expired', async () => {
    await run('tableau datasource status "Sales KPI"');
    const signIns = fake.signIns;
    fake.expireSessions();
    const { rows } = await run('tableau datasource status "Product KPI"');
    expect(rows[0]![0]).toBe('Product KPI');
    expect(fake.signIns).toBe(signIns + 1);
    expect(fake.requests.filter((r) => r.status === 401).length).toBeGreaterThan(0);
  });

  it('say the personal access token was refused, with what to check', async () => {
    client = createTableauClient({ url, site: fake.site, tokenName: fake.tokenName, tokenSecret: 'wrong', apiVersion: fake.apiVersion });
    await expect(run('tableau datasource status "Sales KPI"')).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/did not accept the personal access token "opsbook-runbooks" for site "ecommerce" \(HTTP 401, 401001\)/), hint: expect.stringMatching(/Check tokenName, tokenSecret and site/) });
  });

  it('wait out a 429 for its Retry-After', async () => {
    fake.rateLimitNext(1, 7);
    const { rows } = await run('tableau datasource status "Sales KPI"');
    expect(rows[0]![0]).toBe('Sales KPI');
    expect(sleeps).toEqual([7000]);
  });

  it('name an unknown or ambiguous item with how to fix the block', async () => {
    await expect(run('tableau datasource refresh "Sales KPIs"')).rejects.toMatchObject({ message: 'Tableau site "ecommerce" has no data source named "Sales KPIs".', hint: expect.stringMatching(/Check the name as the site shows it \(Explore → Data Sources\)/) });
    await expect(run('tableau datasource refresh "Sales KPI" --project Finance')).rejects.toMatchObject({ message: expect.stringMatching(/no data source named "Sales KPI" in project "Finance"/), hint: 'It has one in "Ecommerce": write --project with that name.' });
    await expect(run('tableau datasource refresh Returns')).rejects.toMatchObject({ message: expect.stringMatching(/has 2 data sources named "Returns" \(projects "Ecommerce", "Finance"\)/) });
    expect((await run('tableau datasource status Returns --project Finance')).rows[0]!.slice(0, 2)).toEqual(['Returns', 'Finance']);
    await expect(run('tableau datasource refresh "Orders, live"')).rejects.toMatchObject({ message: expect.stringMatching(/is a live connection: it has no extract to refresh/) });
  });

  it('fail the block when the job fails, with Tableau\'s notes', async () => {
    fake.endNextRefresh(1, 'Timed out after 7200 seconds.');
    const { result, rows } = await run('tableau datasource refresh "Product KPI"');
    expect(rows[0]![2]).toBe('Failed');
    expect(result.failure).toMatchObject({ code: 'connector_error', message: expect.stringMatching(/The refresh of the data source "Product KPI" ended failed \(job .*\)\. Timed out after 7200 seconds\./) });
  });

  it('cancel the job in Tableau when the block is stopped', async () => {
    const stop = new AbortController();
    await expect(run('tableau datasource refresh "Product KPI"', { signal: stop.signal, onState: () => stop.abort() })).rejects.toMatchObject({ code: 'cancelled' });
    const job = [...fake.jobs.values()].at(-1)!;
    expect(job.finishCode).toBe(2);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'PUT', path: `/api/3.24/sites/${fake.siteId}/jobs/${job.id}`, status: 200 });
  });

  it('read the item even when the token may not list jobs', async () => {
    const plain = new FakeTableau({ admin: false, datasources: [{ name: 'Sales KPI', project: 'Ecommerce', updatedAt: '2026-12-01T22:40:00Z' }] });
    const plainUrl = await plain.start();
    client = createTableauClient({ url: plainUrl, site: plain.site, tokenName: plain.tokenName, tokenSecret: plain.tokenSecret, apiVersion: plain.apiVersion });
    try {
      const { rows, logs } = await run('tableau datasource status "Sales KPI"');
      expect(rows).toEqual([['Sales KPI', 'Ecommerce', '2026-12-01T22:40:00Z', null, null, null, null]]);
      expect(logs).toMatch(/reading jobs needs a site administrator's token/);
    } finally {
      await client.close();
      await plain.close();
    }
  });

  it('sign out when closed', async () => {
    await run('tableau datasource status "Sales KPI"');
    const sessions = fake.sessions.size;
    await client.close();
    expect(fake.sessions.size).toBe(sessions - 1);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/3.24/auth/signout', status: 204 });
  });
});

describe('the Tableau contract fake', () => {
  it('answers XML unless JSON is asked for, and refuses what Tableau would', async () => {
    const signin = await fetch(`${url}/api/3.24/auth/signin`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ credentials: { personalAccessTokenName: fake.tokenName, personalAccessTokenSecret: fake.tokenSecret, site: { contentUrl: fake.site } } }) });
    const xml = await signin.text();
    expect(signin.headers.get('content-type')).toMatch(/application\/xml/);
    const token = /<credentials token="([0-9a-f]+)"/.exec(xml)![1]!;
    expect(xml).toContain(`<site id="${fake.siteId}" contentUrl="ecommerce"/>`);
    const noToken = await fetch(`${url}/api/3.24/sites/${fake.siteId}/datasources`, { headers: { Accept: 'application/json' } });
    expect([noToken.status, await noToken.json()]).toEqual([401, { error: { summary: 'Unauthorized Access', detail: 'No authentication credentials were provided', code: '401000' } }]);
    const badFilter = await fetch(`${url}/api/3.24/sites/${fake.siteId}/datasources?filter=name:eq:a,b`, { headers: { Accept: 'application/json', 'X-Tableau-Auth': token } });
    expect(badFilter.status).toBe(400);
    const otherVersion = await fetch(`${url}/api/2.8/sites/${fake.siteId}/datasources`, { headers: { Accept: 'application/json', 'X-Tableau-Auth': token } });
    expect(otherVersion.status).toBe(404);
    const unknownJob = await fetch(`${url}/api/3.24/sites/${fake.siteId}/jobs/nope`, { headers: { 'X-Tableau-Auth': token } });
    expect(await unknownJob.text()).toContain('<error code="404031"><summary>Resource Not Found</summary><detail>Job &apos;nope&apos; could not be found.</detail></error>'.replace(/&apos;/g, "'"));
  });

  it('reads filters as Tableau writes them', () => {
    expect(parseFilter(`name:eq:${filterValue('Orders, live: EU')}`, ['name'])).toEqual([{ field: 'name', op: 'eq', value: 'Orders, live: EU' }]);
    expect(parseFilter('jobType:eq:refresh_extracts,title:eq:Sales KPI', ['jobType', 'title'])).toHaveLength(2);
    expect(parseFilter('owner:eq:x', ['name'])).toHaveProperty('error');
    expect(toXml({ job: { id: 'j', extractRefreshJob: { datasource: { id: 'd', name: 'A & B' } } } })).toContain('<job id="j"><extractRefreshJob><datasource id="d" name="A &amp; B"/></extractRefreshJob></job>');
  });
});

describe('Tableau connections in the configuration', () => {
  const withTableau = (t: string) => `environments:\n  dev:\n    connections:\n      warehouse: {kind: duckdb, path: w.duckdb}\n      tableau: ${t}\n`;
  it('take the server, the site and a personal access token from ${ENV}', () => {
    const config = parseConfig(withTableau('{kind: tableau, url: "https://tableau.company.com", site: ecommerce, tokenName: opsbook, tokenSecret: "${TABLEAU_PAT_SECRET}", apiVersion: "3.21"}'), 'c.yaml', { TABLEAU_PAT_SECRET: 's' });
    expect(config.environments.dev!.connections.tableau).toEqual({ kind: 'tableau', demo: false, url: 'https://tableau.company.com', site: 'ecommerce', tokenName: 'opsbook', tokenSecret: 's', apiVersion: '3.21' });
  });
  it('are probed by --check-config: a sign-in that names the site, or the reason it was refused', async () => {
    const conn = (secret: string) => `{kind: tableau, url: "${url}", site: ${fake.site}, tokenName: ${fake.tokenName}, tokenSecret: "${secret}"}`;
    const good = await checkConnections(parseConfig(withTableau(conn(fake.tokenSecret)), 'c.yaml'), process.cwd());
    expect(good.find((r) => r.connection === 'tableau')).toMatchObject({ ok: true, detail: `${url} site "ecommerce" (id ${fake.siteId}), REST API 3.24: token "opsbook-runbooks" signed in` });
    const bad = await checkConnections(parseConfig(withTableau(conn('expired')), 'c.yaml'), process.cwd());
    expect(bad.find((r) => r.connection === 'tableau')).toMatchObject({ ok: false, detail: expect.stringMatching(/did not accept the personal access token/) });
  }, 30_000);

  it('say what is missing and how to write it', () => {
    expect(() => parseConfig(withTableau('{kind: tableau, url: "https://tableau.company.com"}'), 'c.yaml')).toThrow(/tableau\.site: set site to the content URL[\s\S]*tableau\.tokenName: set tokenName[\s\S]*tableau\.tokenSecret: set tokenSecret: "\$\{TABLEAU_PAT_SECRET\}"/);
    expect(() => parseConfig(withTableau('{kind: tableau, demo: true, tokenName: x}'), 'c.yaml')).toThrow(/a demo Tableau connection takes no tokenName/);
    expect(() => parseConfig(`environments:\n  prod:\n    production: true\n    connections:\n      tableau: {kind: tableau, demo: true}\nauth: {mode: proxy, trustedProxies: [127.0.0.1/32], roleMap: {ops: [service-team]}}\n`, 'c.yaml')).toThrow(/demo S3, dbt Cloud, Tableau, Slack and Databricks are demo stand-ins/);
    expect(() => parseConfig(withTableau('{kind: tableau, url: "https://t.example", site: "", tokenName: a, tokenSecret: b, apiVersion: 3.2}'), 'c.yaml')).toThrow(/apiVersion is the REST API version as a quoted string, e\.g\. "3\.24" \(unquoted, YAML reads 3\.20 as the number 3\.2\)/);
  });
});

describe('tableau datasource query (VizQL Data Service)', () => {
  it('asks Tableau what the data source holds: one column per field, named so a condition can read it', async () => {
    const before = queries().length;
    const { result, rows, logs } = await run('tableau datasource query "Sales KPI" --field "MAX(kpi_date)" --field "SUM(orders)" --project Ecommerce');
    expect(result).toEqual({});
    expect(rows).toEqual([['2026-12-01', 842]]);
    expect(logs).toMatch(/"Sales KPI" \(project Ecommerce\) answered 1 row \(VizQL Data Service\)/);
    const sent = queries().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.status).toBe(200);
    expect(sent[0]!.headers['x-tableau-auth']).toEqual(expect.any(String));
    expect(JSON.parse(sent[0]!.body)).toEqual({
      datasource: { datasourceLuid: fake.datasources[0]!.id },
      query: { fields: [{ fieldCaption: 'kpi_date', function: 'MAX', fieldAlias: 'max_kpi_date' }, { fieldCaption: 'orders', function: 'SUM', fieldAlias: 'sum_orders' }] },
      options: { returnFormat: 'OBJECTS', debug: false },
    });
  });

  it('a dimension gives one row per value', async () => {
    const { rows } = await run('tableau datasource query "Sales KPI" --field kpi_date --field "MAX(orders)"');
    expect(rows).toEqual([['2026-11-30', 410], ['2026-12-01', 432]]);
  });

  it("says which field Tableau did not know, in Tableau's words", async () => {
    await expect(run('tableau datasource query "Sales KPI" --field "MAX(kpi_day)"')).rejects.toMatchObject({ message: expect.stringMatching(/Tableau refused the query of "Sales KPI" \(HTTP 400 400802\): Unknown field: kpi_day/), hint: expect.stringMatching(/caption as the data source shows it/) });
  });

  it('signs in again once when the session expired', async () => {
    const signIns = fake.signIns;
    await run('tableau datasource query "Sales KPI" --field "MAX(kpi_date)"');
    fake.expireSessions();
    const { rows } = await run('tableau datasource query "Sales KPI" --field "MAX(kpi_date)"');
    expect(rows).toEqual([['2026-12-01']]);
    expect(fake.signIns).toBeGreaterThan(signIns);
  });

  it('the fake refuses a body the published schema would not take', async () => {
    const signin = await fetch(`${url}/api/${fake.apiVersion}/auth/signin`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ credentials: { personalAccessTokenName: fake.tokenName, personalAccessTokenSecret: fake.tokenSecret, site: { contentUrl: fake.site } } }) });
    const token = ((await signin.json()) as { credentials: { token: string } }).credentials.token;
    const post = (body: unknown) => fetch(`${url}/api/v1/vizql-data-service/query-datasource`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Tableau-Auth': token }, body: JSON.stringify(body) });
    const noFields = await post({ datasource: { datasourceLuid: fake.datasources[0]!.id }, query: { fields: [] } });
    expect(noFields.status).toBe(400);
    expect(await noFields.json()).toMatchObject({ errorCode: '400000', message: expect.stringMatching(/query\.fields/) });
    const badFunction = await post({ datasource: { datasourceLuid: fake.datasources[0]!.id }, query: { fields: [{ fieldCaption: 'kpi_date', function: 'LATEST' }] } });
    expect(badFunction.status).toBe(400);
    const columns = await post({ datasource: { datasourceLuid: fake.datasources[0]!.id }, query: { columns: [{ columnName: 'kpi_date' }] } });
    expect(columns.status).toBe(400);
  });
});
