/**
 * The DAG steps the drills read faults through, on a real DuckDB warehouse behind the server's own connector:
 * the growth pull records every batch's attempt (a refused batch stays visible until a retry pulls it), and
 * dbt source freshness records each source's age and fails past error_after, as dbt does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openScratchWarehouse, type ScratchWarehouse } from '../testing/scratchWarehouse';
import { Faults } from '../faults';
import type { TaskContext } from '../model';
import { fixedTaskContext } from '../testing/fixedTaskContext';
import type { Warehouse } from '../warehouse';
import { pullMarketingApi } from './investorMarketingPull';
import { sourceFreshness } from './retail';

let scratch: ScratchWarehouse | undefined;
let w: Warehouse;

beforeAll(async () => {
  scratch = openScratchWarehouse('opsbook-drill-faults-');
  w = scratch.warehouse;
  for (const s of ['investor_src', 'investor_ops', 'retail_bronze', 'retail_ops']) await w.query(`CREATE SCHEMA ${s}`);
  await w.query(`CREATE TABLE investor_src.marketing_attribution (user_id BIGINT, api_name VARCHAR, campaign_code VARCHAR, click_ts TIMESTAMP, report_date DATE)`);
  await w.query(
    `INSERT INTO investor_src.marketing_attribution SELECT n, CASE n % 3 WHEN 0 THEN 'google_ads' WHEN 1 THEN 'meta_ads' ELSE 'impact_affiliates' END, 'c' || n,
            TIMESTAMP '2026-12-01 08:00:00' + to_minutes(n), DATE '2026-12-01' FROM range(0, 12) t(n)`,
  );
  await w.query(
    `CREATE TABLE investor_ops.marketing_api_pulls (report_date DATE, run_id VARCHAR, try_number INTEGER, api_name VARCHAR, batch_no INTEGER, requested_at TIMESTAMP,
       completed_at TIMESTAMP, status VARCHAR, http_status INTEGER, rows_returned INTEGER, error_message VARCHAR)`,
  );
  for (const t of ['customers', 'orders', 'order_items', 'returns']) await w.query(`CREATE TABLE retail_bronze.${t} (id INTEGER, _loaded_at TIMESTAMP)`);
  await w.query(
    `CREATE TABLE retail_ops.source_freshness (batch_date DATE, run_id VARCHAR, source_name VARCHAR, table_name VARCHAR, max_loaded_at TIMESTAMP, snapshotted_at TIMESTAMP,
       age_hours DECIMAL(8, 2), warn_after_hours INTEGER, error_after_hours INTEGER, status VARCHAR)`,
  );
});
afterAll(async () => {
  await scratch?.close();
});

/** A task's context as the sandbox engine gives it, at a fixed time (no clock is read). */
function taskCtx(over: { dagId: string; taskId: string; businessDate: string; tryNumber: number; now: string; faults?: Faults }): TaskContext {
  return fixedTaskContext(w, over);
}

const latestPulls = () =>
  w.query(`SELECT api_name, batch_no, status, http_status, try_number FROM investor_ops.marketing_api_pulls
           QUALIFY row_number() OVER (PARTITION BY api_name, batch_no ORDER BY try_number DESC) = 1 ORDER BY api_name, batch_no`);

describe('pull_marketing_api', () => {
  it('records the refused batch of a failed try, and every batch once a retry succeeds', async () => {
    const faults = new Faults();
    faults.set('investor_growth_aggregate', 'pull_marketing_api', { exception: 'HTTPError', message: 'Google Ads API: 429 Too Many Requests', untilCleared: false, tries: 1 });
    const pull = (tryNumber: number) => pullMarketingApi(taskCtx({ dagId: 'investor_growth_aggregate', taskId: 'pull_marketing_api', businessDate: '2026-12-02', tryNumber, now: '2026-12-02 05:36:00', faults }));
    await expect(pull(1)).rejects.toThrow(/429/);
    expect(await latestPulls()).toEqual([
      { api_name: 'google_ads', batch_no: 1, status: 'success', http_status: 200, try_number: 1 },
      { api_name: 'google_ads', batch_no: 2, status: 'failed', http_status: 429, try_number: 1 },
    ]);
    await pull(2);
    const after = await latestPulls();
    expect(after).toHaveLength(9);
    expect(after.every((r) => r.status === 'success' && r.try_number === 2)).toBe(true);
    const [rows] = await w.query(`SELECT sum(rows_returned) AS n FROM investor_ops.marketing_api_pulls WHERE try_number = 2`);
    expect(Number(rows!.n)).toBe(12);
  });
});

describe('dbt_source_freshness', () => {
  const run = () => sourceFreshness(taskCtx({ dagId: 'data_transformation_dbt', taskId: 'dbt_source_freshness', businessDate: '2026-12-02', tryNumber: 1, now: '2026-12-02 03:00:00' }));
  const statuses = async () => Object.fromEntries((await w.query(`SELECT table_name, status FROM retail_ops.source_freshness ORDER BY 1`)).map((r) => [r.table_name, r.status]));

  it('passes sources loaded tonight', async () => {
    for (const t of ['customers', 'orders', 'order_items', 'returns']) await w.query(`INSERT INTO retail_bronze.${t} VALUES (1, TIMESTAMP '2026-12-02 01:40:00')`);
    await run();
    expect(await statuses()).toEqual({ customers: 'pass', order_items: 'pass', orders: 'pass', returns: 'pass' });
  });

  it('fails past error_after and warns past warn_after, per source rule, replacing the batch\'s record', async () => {
    for (const t of ['customers', 'orders', 'order_items', 'returns']) await w.query(`DELETE FROM retail_bronze.${t} WHERE _loaded_at >= TIMESTAMP '2026-12-01 00:00:00'`);
    for (const t of ['customers', 'orders', 'order_items', 'returns']) await w.query(`INSERT INTO retail_bronze.${t} VALUES (1, TIMESTAMP '2026-11-30 01:40:00')`);
    await expect(run()).rejects.toThrow(/raw_data\.customers last loaded 49\.33 h ago/);
    // Orders-like sources: error after 24 h; returns (onboarded later, slower) warn after 48 h, error after 96 h.
    expect(await statuses()).toEqual({ customers: 'error', order_items: 'error', orders: 'error', returns: 'warn' });
  });
});
