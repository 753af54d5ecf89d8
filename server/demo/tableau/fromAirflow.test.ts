/**
 * Tableau is the only writer of its refreshes, and the runbook asks Tableau what the dashboards hold. On a fresh
 * demo the refresh history already has the nights before (the demo Tableau's record, not its memory); the
 * training fault "Stale dashboard" is a real scheduled refresh that fails in the demo Tableau, seen by the
 * VizQL query checks and the status checks; Airflow's ecomm_tableau_refresh refreshes through Tableau's REST API,
 * and what it starts is what Tableau then records and answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../../plugins/remark-runbook/types';
import { siteManifest, startSeededDemo } from '../../../drills/runner/testing/seededDemo';
import type { DemoEnvironment } from '../../../drills/runner/environment';

/** The runbook, plus the Airflow re-run of the extracts as an operator would trigger it (the page has none). */
function withAirflowRefresh(): Manifest {
  const base = siteManifest();
  const trigger = base.snippets['ecomm-data-pipeline/rerun-daily-refresh'];
  if (!trigger) throw new Error('the runbook has no rerun-daily-refresh block to model the trigger on');
  const text = `dags trigger ecomm_tableau_refresh -c '{"execution_date":"{{execution_date}}"}'`;
  return { ...base, snippets: { ...base.snippets, 'ecomm-data-pipeline/airflow-tableau-refresh': { ...trigger, text, sha256: 'a'.repeat(64) } } };
}

let env: DemoEnvironment;
const run = (snippet: string) => env.run({ snippet: `ecomm-data-pipeline/${snippet}` });
const DAY_CHECKS = ['sales-kpi-holds-day', 'product-kpi-holds-day', 'customer-kpi-holds-day'];
const STATUS_CHECKS = ['sales-kpi-last-refresh', 'product-kpi-last-refresh', 'customer-kpi-last-refresh'];

beforeAll(async () => {
  env = await startSeededDemo(withAirflowRefresh());
}, 240_000);
afterAll(async () => {
  await env?.close();
});

describe('Tableau as the record of its own refreshes', () => {
  it('on a fresh demo, the history has the nights before and the extracts hold yesterday', async () => {
    expect(await run('tableau-datasource-status')).toMatchObject({ status: 'succeeded', rowCount: 5 });
    for (const c of [...DAY_CHECKS, ...STATUS_CHECKS]) expect(await run(c), c).toMatchObject({ status: 'succeeded', check: { passed: true } });
  }, 120_000);

  it('a failed scheduled refresh leaves every dashboard on the day before; the Airflow re-run refreshes through Tableau', async () => {
    await env.activate('ecomm_stale_dashboard');
    for (const c of [...DAY_CHECKS, ...STATUS_CHECKS]) expect(await run(c), c).toMatchObject({ check: { passed: false } });
    expect((await run('sales-kpi-holds-day')).check?.detail).toMatch(/age\(max_kpi_date\)/);
    expect(await run('run-stages')).toMatchObject({ check: { passed: false } });

    expect(await run('airflow-tableau-refresh')).toMatchObject({ status: 'succeeded' });
    for (const c of [...DAY_CHECKS, ...STATUS_CHECKS, 'run-stages']) expect(await run(c), c).toMatchObject({ status: 'succeeded', check: { passed: true } });
    await env.deactivate('ecomm_stale_dashboard');
    for (const c of DAY_CHECKS) expect(await run(c), c).toMatchObject({ check: { passed: true } });
  }, 240_000);
});
