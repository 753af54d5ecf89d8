/**
 * The demo's Tableau and Slack through the whole server: a tableau block previews the workbook's refresh, then
 * (confirmed) refreshes it at /demo/tableau, follows the job, and the dashboards' extracts are really rebuilt in
 * the warehouse with the refresh record the runbook's checks read; a refresh whose metric table is missing
 * fails and is recorded as failed, so the checks still see a stale dashboard; a slack block posts to the demo
 * Slack with a link back to its runbook step. Every run is audited.
 */
import { describe, expect, it } from 'vitest';
import { APPROVER, OPERATOR } from '../../testing/harness';
import { useDemoBlocks } from '../testing/demoBlocks';
import { ecommerceYesterday } from '../airflow/dags/ecommerce';

const x = ecommerceYesterday();

// Sales KPI's refresh for the day failed; the others ran after the metric tables were built (early on the data day,
// UTC, so before any time this test runs).
const FRESHNESS = `select CAST(count(*) filter (where not (t.status = 'success' and t.started_at >= m.refreshed_at)) AS INTEGER) as stale, CAST(count(*) AS INTEGER) as datasources
  from ecomm_ops.tableau_refreshes t join (
    select 'ecomm_metrics.agg_sales_kpi' as source_table, max(refreshed_at) as refreshed_at from ecomm_metrics.agg_sales_kpi
    union all select 'ecomm_metrics.agg_product_kpi', max(refreshed_at) from ecomm_metrics.agg_product_kpi
    union all select 'ecomm_metrics.agg_customer_kpi', max(refreshed_at) from ecomm_metrics.agg_customer_kpi) m using (source_table)
  where t.execution_date = CAST('${x}' AS DATE)`;

const demo = useDemoBlocks({
  setupSql: `create schema ecomm_metrics; create schema ecomm_ops;
    create table ecomm_metrics.agg_sales_kpi as select DATE '${x}' as kpi_date, 12 as orders, TIMESTAMP '${x} 00:00:00' as refreshed_at;
    create table ecomm_metrics.agg_product_kpi as select DATE '${x}' as kpi_date, 5 as product_id, TIMESTAMP '${x} 00:00:00' as refreshed_at;
    create table ecomm_metrics.agg_customer_kpi as select 1 as customer_id, TIMESTAMP '${x} 00:00:00' as refreshed_at;
    create table ecomm_ops.tableau_refreshes (execution_date date, datasource varchar, started_at timestamp, finished_at timestamp, status varchar, source_table varchar, job_id varchar);
    insert into ecomm_ops.tableau_refreshes values
      (CAST('${x}' AS DATE) - 1, 'Sales KPI', CAST('${x}' AS DATE) - 1 + TIME '00:30:00', CAST('${x}' AS DATE) - 1 + TIME '00:50:00', 'success', 'ecomm_metrics.agg_sales_kpi', '00000000-0000-4000-8000-000000000001'),
      ('${x}', 'Sales KPI', '${x} 00:30:00', '${x} 00:58:00', 'failed', 'ecomm_metrics.agg_sales_kpi', '00000000-0000-4000-8000-000000000002'),
      ('${x}', 'Product KPI', '${x} 00:30:20', '${x} 00:40:00', 'success', 'ecomm_metrics.agg_product_kpi', '00000000-0000-4000-8000-000000000003'),
      ('${x}', 'Customer KPI', '${x} 00:30:40', '${x} 00:39:00', 'success', 'ecomm_metrics.agg_customer_kpi', '00000000-0000-4000-8000-000000000004');
    create table ecomm_ops.pipeline_runs (execution_date date, run_id varchar, stage varchar, stage_order int, started_at timestamp, finished_at timestamp, duration_min decimal(8,1), status varchar, attempts int);
    insert into ecomm_ops.pipeline_runs values ('${x}', 'tableau-x', 'tableau', 4, '${x} 22:30:00', '${x} 22:58:00', 28.0, 'failed', 1);`,
  demoConnections: '      tableau: {kind: tableau, demo: true, pollMs: 10}\n      slack: {kind: slack, demo: true}\n',
  runbooks: { ecomm: { title: 'Daily run', system: 'ecommerce', owner: null, file: 'docs/ecommerce/daily-run.mdx', docPath: '/ecommerce/daily-run', timezone: 'Asia/Bangkok' } },
  snippets: {
    'ecomm/refresh': { lang: 'tableau', target: 'tableau', mode: 'write', step: 'tableau-checks', text: 'tableau workbook refresh "Ecommerce KPIs" --project Ecommerce' },
    'ecomm/refresh-sales': { lang: 'tableau', target: 'tableau', mode: 'write', step: 'tableau-checks', text: 'tableau datasource refresh "Sales KPI"' },
    'ecomm/refresh-typo': { lang: 'tableau', target: 'tableau', mode: 'write', step: 'tableau-checks', text: 'tableau datasource refresh "Sales KPIs"' },
    'ecomm/status': { lang: 'tableau', target: 'tableau', step: 'tableau-checks', text: 'tableau datasource status "Sales KPI"' },
    'ecomm/freshness': { text: FRESHNESS },
    'ecomm/stage': { text: `select status, CAST(attempts AS INTEGER) from ecomm_ops.pipeline_runs where stage = 'tableau'` },
    'ecomm/extract': { text: 'select CAST(orders AS INTEGER) from ecomm_tableau.sales_kpi_extract' },
    'ecomm/status-1': { lang: 'tableau', target: 'tableau', step: 'tableau-checks', text: 'tableau datasource status "Sales KPI" --limit 1' },
    'ecomm/extract-day': { lang: 'tableau', target: 'tableau', step: 'tableau-checks', text: 'tableau datasource query "Sales KPI" --field "MAX(kpi_date)" --field "SUM(orders)" --field "MAX(refreshed_at)"' },
    'ecomm/extract-unknown': { lang: 'tableau', target: 'tableau', step: 'tableau-checks', text: 'tableau datasource query "Sales KPI" --field "MAX(kpi_day)"' },
    'ecomm/notify-p1': { lang: 'slack', target: 'slack', mode: 'write', step: 'escalate-p1', role: 'escalation', approver: 'approver', text: 'slack post --channel "#data-eng" --text "P1: pipeline down"' },
    'ecomm/notify': { lang: 'slack', target: 'slack', mode: 'write', step: 'escalate-p1', params: [{ name: 'd', type: 'date', default: 'yesterday' }], text: 'slack post --channel "#data-eng" --text "P1: no KPIs for {{d}}"' },
  },
});
const { run } = demo;

describe('the demo Tableau', () => {
  it("lists the record's refreshes on a fresh start: the nights before, the latest first", async () => {
    const status = await run('ecomm/status');
    expect(status.rows.map((r) => [r[3], r[4]])).toEqual([['00000000-0000-4000-8000-000000000002', 'Failed'], ['00000000-0000-4000-8000-000000000001', 'Success']]);
    expect(status.rows[0]![5]).toBe(`${x}T00:30:00Z`);
  });

  it('answers the VizQL Data Service from the extract it keeps: nothing before the first refresh of this demo', async () => {
    const before = await run('ecomm/extract-day');
    expect(before.done).toMatchObject({ status: 'succeeded' });
    expect(before.rows).toEqual([]);
  });

  it('previews the refresh without starting it: the dashboard stays stale', async () => {
    const preview = await run('ecomm/refresh', { preview: true });
    expect(preview.done).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(preview.rows[0]!.slice(0, 3)).toEqual(['workbook', 'Ecommerce KPIs', 'Ecommerce']);
    expect(preview.logs).toContain('Nothing was started.');
    expect((await run('ecomm/freshness')).rows).toEqual([[1, 3]]);
    // A write the operator has not confirmed is only previewed, whatever the page asked.
    expect((await run('ecomm/refresh')).done).toMatchObject({ status: 'succeeded', dryRun: true });
    expect((await run('ecomm/freshness')).rows).toEqual([[1, 3]]);
  });

  it('refreshes once confirmed: the extracts are rebuilt and the refresh the checks read is recorded', async () => {
    const refresh = await run('ecomm/refresh', { confirmed: true });
    expect(refresh.done).toMatchObject({ status: 'succeeded', rowCount: 1 });
    expect(refresh.done.dryRun).toBeFalsy();
    expect(refresh.rows[0]!.slice(0, 1).concat(refresh.rows[0]![2])).toEqual(['Ecommerce KPIs', 'Success']);
    expect(refresh.states).toBeGreaterThan(0);
    expect(refresh.logs).toMatch(/refresh of the workbook "Ecommerce KPIs" queued as job [0-9a-f-]{36}[\s\S]*SUCCESS/);
    expect((await run('ecomm/freshness')).rows).toEqual([[0, 3]]);
    expect((await run('ecomm/stage')).rows).toEqual([['success', 2]]);
    expect((await run('ecomm/extract')).rows).toEqual([[12]]);
    expect(demo.harness.audit.events.filter((e) => e.snippet === 'ecomm/refresh').at(-1)).toMatchObject({ status: 'succeeded', dryRun: false });
    // The data source's own last update moved to this refresh, and its latest refresh is the workbook job's part.
    const status = await run('ecomm/status-1');
    expect(status.rows[0]!.slice(0, 2)).toEqual(['Sales KPI', 'Ecommerce']);
    expect(String(status.rows[0]![2]) > '2026-01-05T08:00:00Z').toBe(true);
    expect(status.rows[0]![4]).toBe('Success');
    // The dashboard now holds the data day, as Tableau answers it.
    const day = await run('ecomm/extract-day');
    expect(day.rows).toEqual([[x, 12, `${x}T00:00:00`]]);
    const unknown = await run('ecomm/extract-unknown');
    expect(unknown.done).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/Tableau refused the query of "Sales KPI" \(HTTP 400 400802\): Unknown field: kpi_day/) } });
  });

  it('names a data source the site does not have, with how to find the right name', async () => {
    const typo = await run('ecomm/refresh-typo', { preview: true });
    expect(typo.done).toMatchObject({ status: 'failed', error: { message: 'Tableau site "ecommerce" has no data source named "Sales KPIs".', hint: expect.stringMatching(/Explore → Data Sources/) } });
  });
});

describe('the demo Tableau without a metric table', () => {
  const bare = useDemoBlocks({
    setupSql: `create schema ecomm_metrics; create schema ecomm_ops;
      create table ecomm_ops.tableau_refreshes (execution_date date, datasource varchar, started_at timestamp, finished_at timestamp, status varchar, source_table varchar, job_id varchar);
      create table ecomm_ops.pipeline_runs (execution_date date, run_id varchar, stage varchar, stage_order int, started_at timestamp, finished_at timestamp, duration_min decimal(8,1), status varchar, attempts int);
      insert into ecomm_ops.pipeline_runs values ('${x}', 'tableau-x', 'tableau', 4, '${x} 22:30:00', '${x} 22:58:00', 28.0, 'success', 1);`,
    demoConnections: '      tableau: {kind: tableau, demo: true, pollMs: 10}\n',
    snippets: {
      'ecomm/refresh-sales': { lang: 'tableau', target: 'tableau', mode: 'write', text: 'tableau datasource refresh "Sales KPI"' },
      'ecomm/recorded': { text: `select datasource, status from ecomm_ops.tableau_refreshes union all select stage, status from ecomm_ops.pipeline_runs` },
    },
  });

  it('fails the refresh and records it as failed, so the checks still see a stale dashboard', async () => {
    const refresh = await bare.run('ecomm/refresh-sales', { confirmed: true });
    expect(refresh.done).toMatchObject({ status: 'failed', error: { code: 'connector_error', message: expect.stringMatching(/The refresh of the data source "Sales KPI" ended failed .*could not be refreshed: .*agg_sales_kpi/) } });
    expect(refresh.rows[0]![2]).toBe('Failed');
    expect((await bare.run('ecomm/recorded')).rows).toEqual([['Sales KPI', 'failed'], ['tableau', 'failed']]);
  });
});

describe('the demo Slack', () => {
  it('posts an escalation with a link back to the runbook step, once confirmed', async () => {
    const preview = await run('ecomm/notify', { preview: true });
    expect(preview.done).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(((await (await fetch(`${demo.harness.url}/demo/slack/messages`)).json()) as { messages: unknown[] }).messages).toEqual([]);
    const posted = await run('ecomm/notify', { confirmed: true });
    expect(posted.done.status).toBe('succeeded');
    expect(posted.done.dryRun).toBeFalsy();
    const { messages } = (await (await fetch(`${demo.harness.url}/demo/slack/messages`)).json()) as { messages: { channel: string; text: string }[] };
    expect(messages).toHaveLength(1);
    expect(messages[0]!.channel).toBe('#data-eng');
    expect(messages[0]!.text).toMatch(new RegExp(`^P1: no KPIs for ${x}\\nhttp://127\\.0\\.0\\.1:\\d+/ecommerce/daily-run#escalate-p1$`));
  });

  it('posts from an escalation step only with an approval, whose preview says what will be posted', async () => {
    const sha256 = demo.harness.manifest.snippets['ecomm/notify-p1']!.sha256;
    expect((await run('ecomm/notify-p1', { confirmed: true })).done).toMatchObject({ status: 'rejected', error: { code: 'approval_required' } });
    const requested = await demo.harness.api('POST', '/api/approvals', OPERATOR, { snippet: 'ecomm/notify-p1', sha256, env: 'demo', params: {}, reason: 'P1: no KPIs this morning' });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    expect(JSON.stringify(requested.body)).toContain('Approving lets the requester run, on Slack: slack post --channel \\"#data-eng\\" --text \\"P1: pipeline down\\"');
    expect((await demo.harness.api('POST', `/api/approvals/${requested.body.id}/decision`, APPROVER, { decision: 'approve', comment: 'post it' })).status).toBe(200);
    const posted = await run('ecomm/notify-p1', { approval: requested.body.id, confirmed: true });
    expect(posted.done.status).toBe('succeeded');
    const { messages } = (await (await fetch(`${demo.harness.url}/demo/slack/messages`)).json()) as { messages: { text: string }[] };
    expect(messages.at(-1)!.text).toMatch(/^P1: pipeline down\nhttp:\/\/127\.0\.0\.1:\d+\/ecommerce\/daily-run#escalate-p1$/);
    expect(demo.harness.audit.events.filter((e) => e.snippet === 'ecomm/notify-p1').at(-1)).toMatchObject({ status: 'succeeded', approval: requested.body.id });
  });
});
