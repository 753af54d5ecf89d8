/**
 * DailyRefresh has one record, dbt Cloud's run history: the Airflow re-run (ecomm_dbt_daily_refresh) triggers the
 * job in the demo dbt Cloud through its API instead of rebuilding the metric tables itself, so the run it made is
 * in dbt Cloud's run list, and the runbook's dbt checks pass on what that run recorded.
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
  it('runs in dbt Cloud: the run is in dbt Cloud\'s history and the dbt checks read it', async () => {
    await env.activate('ecomm_daily_refresh_failed');
    expect(await run('dbt-inputs-outputs')).toMatchObject({ check: { passed: false } });
    const before = await run('dbt-recent-runs');
    expect(before.status === 'failed' || before.rowCount === 0).toBe(true);
    expect(await run('rerun-daily-refresh')).toMatchObject({ status: 'succeeded' });
    expect(await run('dbt-recent-runs')).toMatchObject({ status: 'succeeded', rowCount: 1 });
    expect(await run('dbt-inputs-outputs')).toMatchObject({ check: { passed: true } });
    await env.deactivate('ecomm_daily_refresh_failed');
  }, 240_000);
});
