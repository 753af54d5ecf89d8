import { SCENARIOS } from './scenarios/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirflowClient } from '../../connectors/airflow/types';
import { localDate, warehouseTime } from './warehouse';
import { serveSandbox, waitForRun, type ServedSandbox } from './testing/serve';

let s: ServedSandbox;
let v1: AirflowClient;
let v2: AirflowClient;
const today = localDate();

beforeAll(async () => {
  s = await serveSandbox();
  v1 = s.client('v1');
  v2 = s.client('v2');
}, 180_000);
afterAll(async () => s?.close());

const scenario = async (id: string, action: string) => {
  // The scenarios router has no guards when mounted alone (the app adds CSRF and sign-in).
  const res = await fetch(`${s.url}/scenarios`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, action }) });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { scenario: { note: string; dagRun: { dagId: string; runId: string } | null } }).scenario;
};
/** Activates a scenario and returns the night's run it replays. */
const activate = async (id: string) => {
  const { dagRun } = await scenario(id, 'activate');
  return v2.getRun(dagRun!.dagId, dagRun!.runId);
};
const num = async (sql: string) => Number(Object.values((await s.query(sql))[0]!)[0]);

describe('the sandbox DAGs', () => {
  it('has the DAGs the runbooks name: Canonical, setup, and those of the retail and investor seeds', async () => {
    const ids = new Set<string>();
    for (const id of ['etl_date_control_update_dag', 'cdm_mdm_to_ldz', 'cdm_ldz_to_rdv', 'cdm_rdv_to_interface', 'cdm_audience_resolution', 'cdm_360_refresh', 'cdm_ml_writeback', 'cdm_aggregate_refresh', 'cdm_publish', 'airflow_variable_sync', 'ddl_execution_dag_multidb']) {
      ids.add((await v2.getDag(id)).dagId);
    }
    expect(ids.size).toBe(11);
    for (const row of await s.query(`SELECT DISTINCT dag_id FROM ops.job_runs`)) expect((await v1.getDag(String(row.dag_id))).dagId).toBe(row.dag_id);
  });

  it('serves the seeded job history as runs, newest first, with task instances and logs', async () => {
    const runs = await v2.listRuns('cdm_ldz_to_rdv', {});
    expect(runs.length).toBeGreaterThanOrEqual(100);
    expect(runs[0]!.runId).toMatch(/^scheduled__/);
    const tis = await v1.listTaskInstances('cdm_ldz_to_rdv', runs[0]!.runId);
    expect(tis.map((t) => t.taskId)).toEqual(['load_hubs', 'load_links', 'load_satellites', 'check_rdv_keys']);
    const log = await v2.readLog('cdm_ldz_to_rdv', runs[0]!.runId, 'load_hubs', 1, null);
    expect(log.text).toMatch(/Marking task as SUCCESS/);
    expect(log.token).toBeNull();
  });

  it('runs etl_date_control_update_dag for real: the business date moves and the try is in ops.job_runs', async () => {
    const run = await v2.triggerRun('etl_date_control_update_dag', { conf: { business_date: '2031-05-06' }, logicalDate: null });
    expect(run.state).toBe('queued');
    expect(await waitForRun(v2, run.dagId, run.runId)).toBe('success');
    expect(await num(`SELECT count(*) FROM etl_control.etl_date_control WHERE business_date = DATE '2031-05-06' AND load_status = 'PENDING'`)).toBe(8);
    expect(await num(`SELECT count(*) FROM ops.job_runs WHERE run_id = '${run.runId}' AND state = 'success'`)).toBe(1);
    const log = await v1.readLog(run.dagId, run.runId, 'update_etl_date_control', 1, null);
    expect(log.text).toMatch(/Setting business date 2031-05-06.*\n[\s\S]*Rows affected: 8/);
    // Back to today for the scenarios below.
    const back = await v1.triggerRun('etl_date_control_update_dag', { conf: { business_date: today }, logicalDate: null });
    expect(await waitForRun(v1, back.dagId, back.runId)).toBe('success');
  });

  it('keeps a paused DAG\'s run queued until it is unpaused', async () => {
    await v2.setPaused('cdm_publish', true);
    const run = await v2.triggerRun('cdm_publish', { conf: {}, logicalDate: null });
    await new Promise((r) => setTimeout(r, 300));
    expect((await v2.getRun('cdm_publish', run.runId)).state).toBe('queued');
    expect((await v1.setPaused('cdm_publish', false)).isPaused).toBe(false);
    expect(await waitForRun(v2, 'cdm_publish', run.runId)).toBe('success');
  });

  it('backfills on Airflow 3 and refuses plainly on Airflow 2', async () => {
    const from = '2031-01-01T00:00:00Z';
    const b = await v2.createBackfill('cdm_publish', from, '2031-01-02T00:00:00Z');
    expect(b).toMatchObject({ dagId: 'cdm_publish', fromDate: from });
    const runs = (await v2.listRuns('cdm_publish', { logicalDateGte: from })).filter((r) => r.runType === 'backfill');
    expect(runs.map((r) => r.logicalDate).sort()).toEqual(['2031-01-01T04:20:00Z', '2031-01-02T04:20:00Z']);
    for (const r of runs) expect(await waitForRun(v2, 'cdm_publish', r.runId)).toBe('success');
    await expect(v1.createBackfill('cdm_publish', from, from)).rejects.toThrow(/not supported on Airflow 2/);
  });
});

describe('training scenarios, followed to recovery', () => {
  it('a task that fails until cleared: a new run fails again, a clear fixes it', async () => {
    const night = await activate('failed_task_until_cleared');
    expect(await waitForRun(v2, 'cdm_360_refresh', night.runId)).toBe('failed');
    const states = Object.fromEntries((await v2.listTaskInstances('cdm_360_refresh', night.runId)).map((t) => [t.taskId, [t.state, t.tryNumber]]));
    expect(states).toEqual({ refresh_customer_360: ['success', 1], refresh_campaign_360: ['failed', 2], refresh_flowchart_360: ['upstream_failed', 0] });
    expect((await v2.readLog('cdm_360_refresh', night.runId, 'refresh_campaign_360', 2, null)).text).toMatch(/OperationalError: Lock wait timeout/);
    const again = await v2.triggerRun('cdm_360_refresh', { conf: {}, logicalDate: null });
    expect(await waitForRun(v2, 'cdm_360_refresh', again.runId)).toBe('failed');
    const request = { taskIds: ['refresh_campaign_360'], startDate: night.logicalDate, endDate: night.logicalDate, onlyFailed: true, includeDownstream: true, includeUpstream: false };
    const preview = await v2.clearTaskInstances('cdm_360_refresh', { ...request, dryRun: true });
    expect(preview.map((r) => [r.runId, r.taskId, r.state])).toEqual([[night.runId, 'refresh_campaign_360', 'failed'], [night.runId, 'refresh_flowchart_360', 'upstream_failed']]);
    expect((await v2.getRun('cdm_360_refresh', night.runId)).state).toBe('failed'); // a dry run changes nothing
    await v2.clearTaskInstances('cdm_360_refresh', { ...request, dryRun: false });
    expect(await waitForRun(v2, 'cdm_360_refresh', night.runId)).toBe('success');
    expect((await v2.listTaskInstances('cdm_360_refresh', night.runId)).find((t) => t.taskId === 'refresh_campaign_360')!.tryNumber).toBe(3);
    await scenario('failed_task_until_cleared', 'deactivate');
  });

  it('records a replayed night no later than the clock, even when replayed before the DAG\'s hour', async () => {
    const engine = s.sandbox.core.engine;
    const def = (await engine.dag('cdm_publish'))!;
    const inTwoHours = warehouseTime(new Date(Date.now() + 2 * 3_600_000));
    const run = await engine.trigger(def, { conf: {}, logicalDate: `${today}T23:00:00Z`, logicalDateGiven: true, runType: 'scheduled', runId: 'scheduled__replay_ahead_of_clock', recordFrom: inTwoHours });
    expect(await waitForRun(v2, 'cdm_publish', run.runId)).toBe('success');
    const rows = await s.query(`SELECT CAST(max(started_at) AS VARCHAR) AS latest FROM ops.job_runs WHERE run_id = 'scheduled__replay_ahead_of_clock'`);
    expect(String(rows[0]!.latest).slice(0, 19) <= warehouseTime()).toBe(true);
  });

  it('a late LDZ file: land_customers fails, the file arrives, a clear lands it, and the vault load loads it', async () => {
    const landed = await num(`SELECT count(*) FROM ldz.customers WHERE business_date = DATE '${today}'`);
    const versions = await num(`SELECT count(*) FROM rdv.sat_customer_details WHERE CAST(load_dts AS DATE) = DATE '${today}'`);
    expect(landed).toBeGreaterThan(0);
    const night = await activate('late_ldz_file');
    expect(await waitForRun(v1, 'cdm_mdm_to_ldz', night.runId)).toBe('failed');
    const tis = await v1.listTaskInstances('cdm_mdm_to_ldz', night.runId);
    expect(tis.filter((t) => t.state !== 'success').map((t) => [t.taskId, t.state])).toEqual([['land_customers', 'failed'], ['audit_ldz_load', 'upstream_failed']]);
    expect(await num(`SELECT count(*) FROM ldz.customers WHERE business_date = DATE '${today}'`)).toBe(0);
    expect(await num(`SELECT count(*) FROM etl_control.etl_date_control_history WHERE pipeline_name = 'mdm_to_ldz' AND business_date = DATE '${today}' AND load_status = 'FAILED'`)).toBe(1);
    // The late file arrives on the scenario's own timer: wait for it, however busy the machine.
    await expect.poll(() => num(`SELECT count(*) FROM ldz.file_manifest WHERE source_table = 'customers' AND business_date = DATE '${today}' AND arrived_at IS NOT NULL`), { timeout: 60_000, interval: 100 }).toBeGreaterThan(0);
    await v1.clearTaskInstances('cdm_mdm_to_ldz', { taskIds: ['land_customers'], startDate: night.logicalDate, endDate: night.logicalDate, onlyFailed: true, includeDownstream: true, includeUpstream: false, dryRun: false });
    expect(await waitForRun(v1, 'cdm_mdm_to_ldz', night.runId)).toBe('success');
    expect(await num(`SELECT count(*) FROM ldz.customers WHERE business_date = DATE '${today}'`)).toBe(landed);
    const load = await v2.triggerRun('cdm_ldz_to_rdv', { conf: { business_date: today }, logicalDate: null });
    expect(await waitForRun(v2, 'cdm_ldz_to_rdv', load.runId)).toBe('success');
    expect(await num(`SELECT count(*) FROM rdv.sat_customer_details WHERE CAST(load_dts AS DATE) = DATE '${today}'`)).toBe(versions);
    expect((await v2.readLog('cdm_ldz_to_rdv', load.runId, 'load_satellites', 1, null)).text).toContain(`Rows affected: ${versions}`);
    await scenario('late_ldz_file', 'deactivate');
  });

  it('duplicate hub keys: check_rdv_keys fails until the duplicates are removed and the check is cleared', async () => {
    const night = await activate('duplicate_hub_keys');
    expect(await waitForRun(v2, 'cdm_ldz_to_rdv', night.runId)).toBe('failed');
    expect((await v2.readLog('cdm_ldz_to_rdv', night.runId, 'check_rdv_keys', 2, null)).text).toMatch(/DataVaultKeyError: 5 hub keys are duplicated/);
    await s.query(`DELETE FROM rdv.hub_customer h USING (SELECT customer_hk, max(load_dts) AS d FROM rdv.hub_customer GROUP BY 1 HAVING count(*) > 1) x WHERE h.customer_hk = x.customer_hk AND h.load_dts = x.d`);
    await v2.clearTaskInstances('cdm_ldz_to_rdv', { taskIds: ['check_rdv_keys'], startDate: null, endDate: null, onlyFailed: true, includeDownstream: true, includeUpstream: false, dryRun: false });
    expect(await waitForRun(v2, 'cdm_ldz_to_rdv', night.runId)).toBe('success');
    await scenario('duplicate_hub_keys', 'deactivate');
  });

  it('a stale aggregate: the refresh fails twice in the night, a clear refreshes it', async () => {
    const night = await activate('stale_aggregate');
    expect(await waitForRun(v2, 'cdm_aggregate_refresh', night.runId)).toBe('failed');
    expect(await num(`SELECT count(*) FROM agg.refresh_log WHERE run_id = '${night.runId}' AND status = 'FAILED'`)).toBe(2);
    expect(await num(`SELECT count(*) FROM agg.daily_campaign_metrics WHERE business_date = DATE '${today}' AND refresh_ts < DATE '${today}'`)).toBeGreaterThan(0);
    await v2.clearTaskInstances('cdm_aggregate_refresh', { taskIds: ['refresh_daily_campaign_metrics'], startDate: null, endDate: null, onlyFailed: true, includeDownstream: false, includeUpstream: false, dryRun: false });
    expect(await waitForRun(v2, 'cdm_aggregate_refresh', night.runId)).toBe('success');
    expect(await num(`SELECT count(*) FROM agg.daily_campaign_metrics WHERE business_date = DATE '${today}' AND refresh_ts < DATE '${today}'`)).toBe(0);
    await scenario('stale_aggregate', 'deactivate');
  });

  it('an environment rebuild: the DDL DAG fails without variables, and succeeds after the variable sync', async () => {
    await scenario('environment_rebuild', 'activate');
    await expect(v2.getVariable('cdm_target_engine')).rejects.toThrow(/HTTP 404/);
    const ddl = await v2.triggerRun('ddl_execution_dag_multidb', { conf: {}, logicalDate: null });
    expect(await waitForRun(v2, ddl.dagId, ddl.runId)).toBe('failed');
    expect((await v2.readLog(ddl.dagId, ddl.runId, 'resolve_target_engine', 2, null)).text).toMatch(/KeyError: Variable cdm_target_engine does not exist. Run airflow_variable_sync first/);
    const sync = await v2.triggerRun('airflow_variable_sync', { conf: {}, logicalDate: null });
    expect(await waitForRun(v2, sync.dagId, sync.runId)).toBe('success');
    const again = await v2.triggerRun('ddl_execution_dag_multidb', { conf: {}, logicalDate: null });
    expect(await waitForRun(v2, again.dagId, again.runId)).toBe('success');
    await scenario('environment_rebuild', 'deactivate');
  });

  it('lists scenarios for the Training page and refuses a second activation', async () => {
    const list = (await (await fetch(`${s.url}/scenarios`)).json()) as { scenarios: { id: string; active: boolean; runbook: string }[] };
    // Every family's scenarios, Canonical first, each pointing at its own runbooks.
    expect(list.scenarios.map((x) => x.id)).toEqual(SCENARIOS.map((x) => x.id));
    expect(list.scenarios.slice(0, 9).map((x) => x.id)).toEqual(['late_ldz_file', 'missing_ldz_file', 'duplicate_hub_keys', 'stale_aggregate', 'failed_task_until_cleared', 'environment_rebuild', 'interface_build_failed', 'audience_resolution_failed', 'ml_ingest_failed']);
    for (const family of ['canonical', 'retail', 'investor', 'ecommerce']) expect(list.scenarios.some((x) => x.runbook.startsWith(`/${family}/`)), family).toBe(true);
    expect(list.scenarios.every((x) => !x.active)).toBe(true);
    await scenario('environment_rebuild', 'activate');
    const again = await fetch(`${s.url}/scenarios`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'environment_rebuild', action: 'activate' }) });
    expect(again.status).toBe(409);
    await scenario('environment_rebuild', 'deactivate');
  });
});
