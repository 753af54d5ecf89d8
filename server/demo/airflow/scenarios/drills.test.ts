/**
 * The Training page's drills API on the real app: the drills are listed, and "is it solved" runs the
 * drill's checks on the server — not yet while the fault is in, solved after the runbook's recovery, with
 * the time taken and the runs the user made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeededDemo } from '../../../../drills/runner/testing/seededDemo';
import { PageClient } from '../../../../drills/runner/client';
import { OPERATOR, type DemoEnvironment } from '../../../../drills/runner/environment';
import type { DrillInfo, DrillVerdict } from './drills';

let env: DemoEnvironment;
let page: PageClient;

beforeAll(async () => {
  env = await startSeededDemo();
  page = new PageClient(env.url, OPERATOR);
}, 240_000);
afterAll(async () => {
  page?.close();
  await env?.close();
});

describe('the drills API', () => {
  it('lists every drill with its symptom, runbook, hints and checks', async () => {
    const { drills } = await page.api<{ drills: DrillInfo[] }>('GET', '/demo/airflow/scenarios/drills');
    const drill = drills.find((d) => d.name === 'canonical/failed-360-refresh');
    expect(drill).toMatchObject({ family: 'canonical', scenario: 'failed_task_until_cleared', runbook: '/canonical/failure-handling#c360-diagnose' });
    expect(drill!.symptom).toMatch(/refresh_campaign_360/);
    expect(drill!.hints.length).toBeGreaterThan(0);
    expect(drill!.checks).toContain('canonical-daily-batch/targets-refreshed');
  });

  it('answers not yet while the fault is in, and solved after the recovery, with time and steps', async () => {
    const check = () => page.api<DrillVerdict>('POST', '/demo/airflow/scenarios/drills/check', { name: 'canonical/failed-360-refresh' });
    expect(await check()).toMatchObject({ solved: false, elapsedSeconds: null, stepsUsed: 0 });
    await env.activate('failed_task_until_cleared');
    const before = await check();
    expect(before.solved).toBe(false);
    expect(before.checks.filter((c) => !c.passed).map((c) => c.snippet)).toContain('canonical-failure-handling/c360-refresh-state');
    const clear = await env.run({ snippet: 'canonical-failure-handling/clear-360-tasks' });
    expect(clear.status).toBe('succeeded');
    const after = await check();
    expect(after).toMatchObject({ solved: true, stepsUsed: 1 });
    expect(after.elapsedSeconds).toEqual(expect.any(Number));
    await env.deactivate('failed_task_until_cleared');
  }, 120_000);

  it('resolves a drill\'s relative dates (today-3) in its verdict as the drill runner does', async () => {
    const check = () => page.api<DrillVerdict>('POST', '/demo/airflow/scenarios/drills/check', { name: 'retail/scd2-missed-nights' });
    await env.activate('retail_scd2_missed_nights');
    const before = await check();
    expect(before.solved).toBe(false);
    const integrity = before.checks.find((c) => c.snippet === 'retail-backfill/scd2-integrity');
    // A real failure of the check over the past days, not a parameter the server could not read.
    expect(integrity).toMatchObject({ passed: false, detail: expect.stringMatching(/^value [1-9]/) });
    expect((await env.run({ snippet: 'retail-backfill/ingestion-backfill', params: { start_date: 'today-4', end_date: 'today-3' } })).status).toBe('succeeded');
    expect((await env.run({ snippet: 'retail-backfill/transformation-trigger' })).status).toBe('succeeded');
    const after = await check();
    expect(after.checks.filter((c) => !c.passed)).toEqual([]);
    expect(after.solved).toBe(true);
    await env.deactivate('retail_scd2_missed_nights');
  }, 240_000);

  it('judges a drill\'s check on a dbt Cloud read command through dbt Cloud, and solves a night repaired from dbt Cloud', async () => {
    const check = () => page.api<DrillVerdict>('POST', '/demo/airflow/scenarios/drills/check', { name: 'retail/dbt-model-failure-dbt-cloud' });
    await env.activate('retail_dbt_model_failure');
    const before = await check();
    expect(before.solved).toBe(false);
    expect(before.checks.find((c) => c.snippet === 'retail-failure-handling/dbt-recovered')?.passed).toBe(false);
    const repair = await env.run({ snippet: 'retail-failure-handling/dbt-cloud-rerun-prod', params: { model: 'fact_order_items' } });
    expect(repair.status).toBe('succeeded');
    const after = await check();
    expect(after.checks.filter((c) => !c.passed)).toEqual([]);
    // Read from dbt Cloud's run list, not the warehouse: the re-run is its last run, and it did not error.
    expect(after.checks.find((c) => c.snippet === 'retail-failure-handling/dbt-cloud-last-run-clean')).toMatchObject({ passed: true, detail: expect.stringMatching(/count\(status = 'Error'\) of 1 row 0/) });
    expect(after.solved).toBe(true);
    await env.deactivate('retail_dbt_model_failure');
  }, 240_000);

  it('refuses a check without the CSRF token, like every state-changing call', async () => {
    const res = await fetch(`${env.url}/demo/airflow/scenarios/drills/check`, { method: 'POST', headers: { 'content-type': 'application/json', origin: env.url }, body: '{"name":"canonical/failed-360-refresh"}' });
    expect(res.status).toBe(403);
  });
});
