/**
 * DailyRefresh has one record, dbt Cloud's run history: on a fresh demo it lists the seeded nights (dbt Cloud's
 * integer run ids); the training fault is a real run that failed in dbt Cloud; the Airflow re-run
 * (ecomm_dbt_daily_refresh) triggers the job in the demo dbt Cloud through its API instead of rebuilding the metric
 * tables itself, so the run it made is in dbt Cloud's run list, and the runbook's dbt checks pass on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeededDemo } from '../../../drills/runner/testing/seededDemo';
import type { DemoEnvironment } from '../../../drills/runner/environment';

let env: DemoEnvironment;
const run = (snippet: string) => env.run({ snippet: `ecomm-data-pipeline/${snippet}` });

beforeAll(async () => {
  env = await startSeededDemo();
}, 240_000);
afterAll(async () => {
  await env?.close();
});

describe('DailyRefresh re-run from Airflow', () => {
  it('lists the seeded nights on a fresh demo, the latest a success', async () => {
    expect(await run('dbt-recent-runs')).toMatchObject({ status: 'succeeded', rowCount: 5 });
    expect(await run('dbt-latest-run-ok')).toMatchObject({ status: 'succeeded', check: { passed: true } });
  }, 120_000);

  it('runs in dbt Cloud: the failed run and the re-run are in dbt Cloud\'s history and the dbt checks read it', async () => {
    await env.activate('ecomm_daily_refresh_failed');
    expect(await run('dbt-inputs-outputs')).toMatchObject({ check: { passed: false } });
    expect(await run('dbt-latest-run-ok')).toMatchObject({ check: { passed: false } });
    expect(await run('rerun-daily-refresh')).toMatchObject({ status: 'succeeded' });
    expect(await run('dbt-latest-run-ok')).toMatchObject({ status: 'succeeded', check: { passed: true } });
    expect(await run('dbt-inputs-outputs')).toMatchObject({ check: { passed: true } });
    await env.deactivate('ecomm_daily_refresh_failed');
    // Put back exactly: the night's scheduled run is dbt Cloud's latest again.
    expect(await run('dbt-latest-run-ok')).toMatchObject({ check: { passed: true } });
  }, 240_000);

  it('puts the night back exactly when the fault is cleared without a repair', async () => {
    await env.activate('ecomm_daily_refresh_failed');
    expect(await run('dbt-latest-run-ok')).toMatchObject({ check: { passed: false } });
    await env.deactivate('ecomm_daily_refresh_failed');
    expect(await run('dbt-latest-run-ok')).toMatchObject({ check: { passed: true } });
    expect(await run('dbt-inputs-outputs')).toMatchObject({ check: { passed: true } });
    expect(await run('dbt-recent-runs')).toMatchObject({ status: 'succeeded', rowCount: 5 });
  }, 240_000);
});
