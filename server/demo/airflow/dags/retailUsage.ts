/**
 * retail_warehouse_usage_export: after the night's batch, exports the warehouse's usage for the batch date into
 * retail_ops.warehouse_usage (what the monitoring runbook's warehouse check reads). Compute follows the night's
 * bronze volume, as the seeded history does; the demo warehouse keeps no query log of its own, so the query
 * figures carry the previous week's. A day the export does not run has no row, and the check says so.
 */
import type { DagDef, TaskContext } from '../model';
import { dag, sqlTask } from './build';

async function exportUsage(ctx: TaskContext): Promise<void> {
  await ctx.failIfFaulted();
  const bd = ctx.businessDate;
  await ctx.sql(`DELETE FROM retail_ops.warehouse_usage WHERE usage_date = CAST(:bd AS DATE)`, { bd });
  await ctx.sql(
    `INSERT INTO retail_ops.warehouse_usage (usage_date, credits_used, storage_gb, query_count, avg_query_s, p95_query_s)
     WITH week AS (
       SELECT * FROM retail_ops.warehouse_usage WHERE usage_date BETWEEN CAST(:bd AS DATE) - 7 AND CAST(:bd AS DATE) - 1
     )
     SELECT CAST(:bd AS DATE),
            CAST(round(18 + (SELECT count(*) FROM retail_bronze.order_items WHERE _batch_date = CAST(:bd AS DATE)) / 40.0, 2) AS DECIMAL(8, 2)),
            CAST(round(coalesce((SELECT max(storage_gb) FROM week), 410) + 1.35, 1) AS DECIMAL(8, 1)),
            CAST(round(avg(query_count)) AS INTEGER), CAST(round(avg(avg_query_s), 2) AS DECIMAL(6, 2)), CAST(round(avg(p95_query_s), 2) AS DECIMAL(6, 2))
     FROM week`,
    { bd },
  );
}

export const usageExportDag: DagDef = dag({
  dagId: 'retail_warehouse_usage_export',
  description: "Exports the warehouse's daily compute, storage and query performance for the batch date into retail_ops.warehouse_usage.",
  schedule: '0 6 * * *', owners: ['retail-data-engineering'], tags: ['retail', 'monitoring'],
  tasks: [sqlTask('export_warehouse_usage', 90, exportUsage)],
});
