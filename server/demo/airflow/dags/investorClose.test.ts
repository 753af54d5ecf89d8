/**
 * investor_monthly_close: which period a run closes, and on a real DuckDB warehouse behind the server's own
 * connector, that a re-close recomputes the month from its days and is recorded beside the first close with
 * the period's deadline (late when it is late), so the first, on-time close stays the one the SLA judges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openScratchWarehouse, type ScratchWarehouse } from '../testing/scratchWarehouse';
import type { TaskContext } from '../model';
import { fixedTaskContext } from '../testing/fixedTaskContext';
import type { Warehouse } from '../warehouse';
import { closedPeriod, monthlyCloseDag } from './investorClose';

describe('investor_monthly_close: which period a run closes', () => {
  it('closes the month before its business date, across a year end', () => {
    expect(closedPeriod('2026-12-01')).toEqual({ monthStart: '2026-11-01', monthEnd: '2026-11-30', quarterStart: null });
    expect(closedPeriod('2027-01-04')).toEqual({ monthStart: '2026-12-01', monthEnd: '2026-12-31', quarterStart: '2026-10-01' });
  });
  it('closes the quarter too when the month ends one, with the month\'s real last day', () => {
    expect(closedPeriod('2028-03-01')).toEqual({ monthStart: '2028-02-01', monthEnd: '2028-02-29', quarterStart: null });
    expect(closedPeriod('2026-07-01')).toEqual({ monthStart: '2026-06-01', monthEnd: '2026-06-30', quarterStart: '2026-04-01' });
  });
  it('has the task ids the job history records for the seed\'s closes', () => {
    expect(monthlyCloseDag.tasks.map((t) => t.taskId)).toEqual(['aggregate_profit_monthly', 'aggregate_profit_quarterly', 'aggregate_growth_monthly', 'aggregate_engagement_monthly']);
  });
});

let scratch: ScratchWarehouse | undefined;
let w: Warehouse;

beforeAll(async () => {
  scratch = openScratchWarehouse('opsbook-close-');
  w = scratch.warehouse;
  for (const s of ['investor', 'investor_ops']) await w.query(`CREATE SCHEMA ${s}`);
  await w.query(`CREATE TABLE investor_ops.sla AS SELECT 'profit-aggregate' AS pipeline, 'monthly' AS grain, TIME '12:00:00' AS deadline_utc`);
  await w.query(
    `CREATE TABLE investor_ops.refresh_log (pipeline VARCHAR, grain VARCHAR, target_table VARCHAR, dag_id VARCHAR, run_id VARCHAR, period_start DATE, period_end DATE,
       started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR, rows_written INTEGER, sla_deadline TIMESTAMP, met_sla BOOLEAN)`,
  );
  await w.query(
    `CREATE TABLE investor.agg_profit_daily AS
     SELECT CAST(DATE '2026-11-01' + CAST(n AS INTEGER) AS DATE) AS order_date, 'EU' AS region, 10 AS orders, CAST(100 AS DECIMAL(14, 2)) AS revenue, CAST(60 AS DECIMAL(14, 2)) AS cost,
            CAST(40 AS DECIMAL(14, 2)) AS profit
     FROM range(0, 30) t(n)`,
  );
  await w.query(
    `CREATE TABLE investor.agg_profit_monthly (month_start DATE, month_end DATE, region VARCHAR, orders INTEGER, revenue DECIMAL(16, 2), cost DECIMAL(16, 2),
       profit DECIMAL(16, 2), refreshed_at TIMESTAMP, run_id VARCHAR)`,
  );
});
afterAll(async () => {
  await scratch?.close();
});

/** The close's profit task as the engine runs it, at a fixed time (no clock is read). */
function closeProfit(businessDate: string, now: string): Promise<void> {
  const ctx: TaskContext = fixedTaskContext(w, { dagId: 'investor_monthly_close', runId: `manual__${now}`, taskId: 'aggregate_profit_monthly', businessDate, now });
  return monthlyCloseDag.tasks[0]!.body(ctx);
}

describe('investor_monthly_close on a warehouse', () => {
  it('recomputes the month from its days on a re-close, and records the re-close as late beside the on-time close', async () => {
    // Closed on time on Tuesday 1 December (the first business day), 10:09.
    await closeProfit('2026-12-01', '2026-12-01 10:09:00');
    expect(await w.query(`SELECT CAST(profit AS DOUBLE) AS profit, orders FROM investor.agg_profit_monthly`)).toEqual([{ profit: 1200, orders: 300 }]);
    // A late day arrives after the close and the day is re-run: the month no longer equals its days ...
    await w.query(`UPDATE investor.agg_profit_daily SET orders = 26, profit = 180 WHERE order_date = DATE '2026-11-30'`);
    // ... until it is re-closed the next morning, past the period's deadline.
    await closeProfit('2026-12-02', '2026-12-02 08:40:00');
    expect(await w.query(`SELECT CAST(profit AS DOUBLE) AS profit, orders FROM investor.agg_profit_monthly`)).toEqual([{ profit: 1340, orders: 316 }]);
    const log = await w.query(`SELECT CAST(finished_at AS VARCHAR) AS finished, CAST(sla_deadline AS VARCHAR) AS deadline, met_sla FROM investor_ops.refresh_log ORDER BY finished_at`);
    expect(log).toEqual([
      { finished: '2026-12-01 10:09:00', deadline: '2026-12-01 12:00:00', met_sla: true },
      { finished: '2026-12-02 08:40:00', deadline: '2026-12-01 12:00:00', met_sla: false },
    ]);
  });

  it('takes the first business day after a month that ends on a Friday as its deadline', async () => {
    // July 2026 ends on a Friday: the close is due Monday 3 August, 12:00.
    await w.query(`INSERT INTO investor.agg_profit_daily VALUES (DATE '2026-07-31', 'EU', 1, 10, 5, 5)`);
    await closeProfit('2026-08-03', '2026-08-03 10:09:00');
    const [r] = await w.query(`SELECT CAST(sla_deadline AS VARCHAR) AS deadline, met_sla FROM investor_ops.refresh_log WHERE period_start = DATE '2026-07-01'`);
    expect(r).toEqual({ deadline: '2026-08-03 12:00:00', met_sla: true });
  });
});
