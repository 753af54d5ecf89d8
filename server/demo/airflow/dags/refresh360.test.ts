/**
 * The 360 refresh rebuilds rows, not only their measures, on a real DuckDB warehouse behind the server's own
 * connector: a satellite version loaded twice fans Customer 360 out and a rerun after the removal repairs it; an
 * executed flowchart missing from the night's Flowchart 360 comes back on a rerun. And a lock wait moves a run's
 * records on the night's timeline (never past the wall clock), so a slow night reads as slow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openScratchWarehouse, type ScratchWarehouse } from '../testing/scratchWarehouse';
import { Faults } from '../faults';
import type { DagDef, DagRun, TaskContext, TaskDef, TaskInstance, Try } from '../model';
import { recordTry, taskContext } from '../taskContext';
import { fixedTaskContext, NO_DEMO_SYSTEMS } from '../testing/fixedTaskContext';
import type { Warehouse } from '../warehouse';
import { rebuildCustomer360, refreshFlowchart360 } from './refresh360';
import { waitForLocks } from './locks';

const BD = '2026-12-02';
let scratch: ScratchWarehouse | undefined;
let w: Warehouse;
const hk = (id: number) => `md5(upper(trim(CAST(${id} AS VARCHAR))))`;

beforeAll(async () => {
  scratch = openScratchWarehouse('opsbook-refresh360-');
  w = scratch.warehouse;
  for (const s of ['rdv', 'cdm_interface', 'customer_360', 'flowchart_360', 'ops']) await w.query(`CREATE SCHEMA ${s}`);
  await w.query(`CREATE TABLE rdv.sat_customer_details (customer_hk VARCHAR, load_dts TIMESTAMP, email VARCHAR, opt_in_email BOOLEAN, opt_in_sms BOOLEAN)`);
  await w.query(
    `CREATE TABLE cdm_interface.customer (customer_id BIGINT, customer_code VARCHAR, first_name VARCHAR, last_name VARCHAR, email VARCHAR, segment VARCHAR,
       region VARCHAR, household_id INTEGER, opt_in_email BOOLEAN, opt_in_sms BOOLEAN, customer_since DATE)`,
  );
  await w.query(`CREATE TABLE cdm_interface.contact_history (customer_id BIGINT, campaign_id INTEGER, flowchart_id INTEGER, contact_date DATE, business_date DATE)`);
  await w.query(`CREATE TABLE cdm_interface.response_history (customer_id BIGINT, flowchart_id INTEGER, response_type VARCHAR, revenue DECIMAL(12, 2), response_date DATE, business_date DATE)`);
  await w.query(
    `CREATE TABLE customer_360.customer_360 (customer_id BIGINT, customer_code VARCHAR, full_name VARCHAR, email VARCHAR, segment VARCHAR, region VARCHAR,
       household_id INTEGER, opt_in_email BOOLEAN, opt_in_sms BOOLEAN, customer_since DATE, contacts_total BIGINT, contacts_30d BIGINT, last_contact_date DATE,
       campaigns_contacted BIGINT, responses_total BIGINT, conversions_total BIGINT, revenue_total DECIMAL(14, 2), last_response_date DATE, business_date DATE,
       refresh_ts TIMESTAMP)`,
  );
  await w.query(`CREATE TABLE cdm_interface.flowchart_execution (run_id BIGINT, flowchart_id INTEGER, run_date DATE, run_status VARCHAR, contacts_generated INTEGER, business_date DATE)`);
  await w.query(`CREATE TABLE cdm_interface.flowchart (flowchart_id INTEGER, campaign_id INTEGER, flowchart_name VARCHAR)`);
  await w.query(`CREATE TABLE cdm_interface.campaign (campaign_id INTEGER, campaign_code VARCHAR)`);
  await w.query(
    `CREATE TABLE flowchart_360.flowchart_360 (business_date DATE, flowchart_id INTEGER, flowchart_name VARCHAR, campaign_id INTEGER, campaign_code VARCHAR,
       execution_count INTEGER, first_run_date DATE, last_run_id BIGINT, last_run_date DATE, last_run_status VARCHAR, contacts_last_run INTEGER,
       contacts_total HUGEINT, responses_total HUGEINT, conversions_total HUGEINT, revenue_total DECIMAL(14, 2), response_rate DECIMAL(7, 4), refresh_ts TIMESTAMP)`,
  );
  await w.query(`CREATE TABLE ops.job_runs (dag_id VARCHAR, run_id VARCHAR, task VARCHAR, business_date DATE, try_number INTEGER, state VARCHAR, started_at TIMESTAMP, ended_at TIMESTAMP, duration DOUBLE)`);

  // Three customers, each with one satellite version; two contacts and a response.
  for (const id of [1, 2, 3]) {
    await w.query(`INSERT INTO cdm_interface.customer VALUES (${id}, 'C${id}', 'First${id}', 'Last${id}', 'c${id}@example.com', 'GOLD', 'EU', ${id}, true, false, DATE '2025-01-01')`);
    await w.query(`INSERT INTO rdv.sat_customer_details VALUES (${hk(id)}, TIMESTAMP '${BD} 02:10:00', 'c${id}@example.com', true, false)`);
  }
  await w.query(`INSERT INTO cdm_interface.contact_history VALUES (1, 10, 100, DATE '2026-12-01', DATE '${BD}'), (2, 10, 100, DATE '2026-12-01', DATE '${BD}')`);
  await w.query(`INSERT INTO cdm_interface.response_history VALUES (1, 100, 'CONVERSION', 12.50, DATE '2026-12-01', DATE '${BD}')`);
  // Two flowcharts executed, both in the dimension.
  await w.query(`INSERT INTO cdm_interface.campaign VALUES (10, 'CMP10')`);
  await w.query(`INSERT INTO cdm_interface.flowchart VALUES (100, 10, 'Welcome'), (101, 10, 'Reminder')`);
  await w.query(`INSERT INTO cdm_interface.flowchart_execution VALUES (1, 100, DATE '2026-11-30', 'COMPLETED', 2, DATE '2026-12-01'), (2, 101, DATE '2026-12-01', 'COMPLETED', 0, DATE '${BD}')`);
});
afterAll(async () => {
  await scratch?.close();
});

function taskCtx(taskId: string): TaskContext {
  return fixedTaskContext(w, { dagId: 'cdm_360_refresh', runId: 'scheduled__2026-12-01T03:00:00+00:00', taskId, businessDate: BD, now: `${BD} 03:05:00` });
}

const customerRows = async () =>
  (await w.query(`SELECT customer_id, count(*) AS n FROM customer_360.customer_360 GROUP BY customer_id ORDER BY customer_id`)).map((r) => [Number(r.customer_id), Number(r.n)]);

describe('refresh_customer_360', () => {
  it('builds one row per customer, with the totals of the interface', async () => {
    await rebuildCustomer360(taskCtx('refresh_customer_360'));
    expect(await customerRows()).toEqual([[1, 1], [2, 1], [3, 1]]);
    const [c1] = await w.query(`SELECT full_name, CAST(contacts_total AS INTEGER) AS contacts_total, CAST(responses_total AS INTEGER) AS responses_total, CAST(conversions_total AS INTEGER) AS conversions_total, CAST(revenue_total AS DOUBLE) AS revenue FROM customer_360.customer_360 WHERE customer_id = 1`);
    expect(c1).toEqual({ full_name: 'First1 Last1', contacts_total: 1, responses_total: 1, conversions_total: 1, revenue: 12.5 });
  });

  it('fans out on a satellite version loaded twice, and a rerun after the copy is removed builds one row per customer again', async () => {
    await w.query(`INSERT INTO rdv.sat_customer_details SELECT * FROM rdv.sat_customer_details WHERE customer_hk = ${hk(2)}`);
    await rebuildCustomer360(taskCtx('refresh_customer_360'));
    expect(await customerRows()).toEqual([[1, 1], [2, 2], [3, 1]]);
    await w.query(
      `DELETE FROM rdv.sat_customer_details s WHERE s.rowid > (SELECT min(d.rowid) FROM rdv.sat_customer_details d WHERE d.customer_hk = s.customer_hk AND d.load_dts = s.load_dts)`,
    );
    await rebuildCustomer360(taskCtx('refresh_customer_360'));
    expect(await customerRows()).toEqual([[1, 1], [2, 1], [3, 1]]);
  });
});

describe('refresh_flowchart_360', () => {
  const snapshot = async () =>
    (await w.query(`SELECT flowchart_id, campaign_code, execution_count FROM flowchart_360.flowchart_360 WHERE business_date = CAST(:bd AS DATE) ORDER BY flowchart_id`, { bd: BD })).map((r) => [
      Number(r.flowchart_id), r.campaign_code, Number(r.execution_count),
    ]);

  it('holds the flowcharts executed so far that the dimension holds: one missing from the dimension drops out, and a rerun puts it back', async () => {
    await refreshFlowchart360(taskCtx('refresh_flowchart_360'));
    expect(await snapshot()).toEqual([[100, 'CMP10', 1], [101, 'CMP10', 1]]);
    // The dimension mid-reload: flowchart 101 is not in it while the refresh reads.
    await w.query(`CREATE TABLE main.held_flowchart AS SELECT * FROM cdm_interface.flowchart WHERE flowchart_id = 101`);
    await w.query(`DELETE FROM cdm_interface.flowchart WHERE flowchart_id = 101`);
    await refreshFlowchart360(taskCtx('refresh_flowchart_360'));
    expect(await snapshot()).toEqual([[100, 'CMP10', 1]]);
    await w.query(`INSERT INTO cdm_interface.flowchart SELECT * FROM main.held_flowchart`);
    await refreshFlowchart360(taskCtx('refresh_flowchart_360'));
    expect(await snapshot()).toEqual([[100, 'CMP10', 1], [101, 'CMP10', 1]]);
  });
});

describe('a lock wait on the night\'s timeline', () => {
  const task: TaskDef = { taskId: 'build_interface', operator: 'SQLExecuteQueryOperator', upstream: [], retries: 1, durationMs: 10, body: () => Promise.resolve() };
  const def = { dagId: 'cdm_rdv_to_interface', tasks: [task] } as unknown as DagDef;
  const runOf = (shiftMs: number): DagRun => ({
    seq: 1, dagId: def.dagId, runId: 'scheduled__2026-12-01T02:30:00+00:00', runType: 'scheduled', triggeredBy: 'timetable', state: 'running', logicalDate: '2026-12-01T02:30:00Z',
    runAfter: '2026-12-01T02:30:00Z', queuedAt: null, startDate: null, endDate: null, conf: {}, businessDate: BD, tis: new Map(), lastSchedulingDecision: null, active: true,
    recordShiftMs: shiftMs,
  });
  const tiOf = (): TaskInstance => ({ taskId: task.taskId, state: 'running', tryNumber: 1, maxTries: 2, startDate: null, endDate: null, queuedWhen: null, scheduledWhen: null, tries: new Map() });
  const context = (run: DagRun, entry: Try) => taskContext({ warehouse: w, faults: new Faults(), variables: new Map(), ms: (n) => n, ...NO_DEMO_SYSTEMS }, def, task, run, tiOf(), entry, new AbortController().signal);

  it('waits for the stale session, records the try that much longer, and the lock is gone for the next run', async () => {
    const run = runOf(-6 * 3600_000);
    const start = new Date(Date.now() - 10_000).toISOString();
    const entry: Try = { tryNumber: 1, state: 'running', startDate: start, endDate: null, log: [], fromHistory: false, heldMsAtStart: 0 };
    const ctx = context(run, entry);
    await w.query(`CREATE SCHEMA IF NOT EXISTS opsbook_sandbox`);
    await waitForLocks(ctx, 'rdv.sat_flowchart_details');
    await w.query(`INSERT INTO opsbook_sandbox.session_locks VALUES ('rdv.sat_flowchart_details', 'session 4711', TIMESTAMP '${BD} 01:47:12', 3300)`);
    expect(await waitForLocks(ctx, 'rdv.sat_flowchart_details')).toBe(3300);
    expect(entry.log.some((l) => /Waiting for a lock on rdv\.sat_flowchart_details, held by session 4711/.test(JSON.stringify(l)))).toBe(true);
    entry.endDate = new Date().toISOString();
    await recordTry(w, run, tiOf(), entry);
    const [row] = await w.query(`SELECT duration FROM ops.job_runs WHERE task = 'build_interface'`);
    expect(Number(row!.duration)).toBeGreaterThanOrEqual(3300 + 9);
    expect(Number(row!.duration)).toBeLessThan(3300 + 60);
    expect(await waitForLocks(ctx, 'rdv.sat_flowchart_details')).toBe(0);
  });

  it('never records past the wall clock: a run replayed ten minutes after its hour waits at most ten minutes', () => {
    const run = runOf(-10 * 60_000);
    const entry: Try = { tryNumber: 1, state: 'running', startDate: new Date().toISOString(), endDate: null, log: [], fromHistory: false, heldMsAtStart: 0 };
    const held = context(run, entry).holdOnTimeline(3300);
    expect(held).toBeLessThanOrEqual(600);
    expect(held).toBeGreaterThan(590);
  });
});
