/**
 * The retail rows a training scenario rewrites and puts back: one list of them for every retail scenario
 * (failure handling, the returns source, the source-side faults), so a table added to the pipeline is added
 * to every snapshot at once instead of to whichever copy its author found.
 */
import type { Warehouse } from '../warehouse';

export interface RowSet {
  readonly table: string;
  readonly where: string;
}

/** Tonight's rows of a bronze or source table: the ones the batch being replayed landed. */
export const TONIGHT = `_batch_date = CAST(:bd AS DATE)`;
export const tonight = (table: string): RowSet => ({ table, where: TONIGHT });

/** The tables the ingestion DAG lands in bronze, one per source extract. */
export const BRONZE_TABLES = ['customers', 'products', 'stores', 'orders', 'order_items', 'returns'] as const;

/** What tonight's ingestion recorded of each extract it landed. */
export const INGESTION_LOG_TONIGHT: RowSet = { table: 'retail_bronze.ingestion_log', where: `batch_date = CAST(:bd AS DATE)` };

/** Everything tonight's ingestion landed: each extract's rows and the ingestion log. */
export const BATCH_BRONZE: readonly RowSet[] = [...BRONZE_TABLES.map((t) => tonight(`retail_bronze.${t}`)), INGESTION_LOG_TONIGHT];

export const DBT_ARTIFACTS: readonly RowSet[] = [
  { table: 'retail_ops.dbt_run_results', where: `batch_date = CAST(:bd AS DATE)` },
  { table: 'retail_ops.dbt_test_results', where: `batch_date = CAST(:bd AS DATE)` },
];

export const GOLD: readonly RowSet[] = ['dim_date', 'dim_stores', 'dim_products', 'dim_customers', 'fact_order_items', 'fact_orders', 'fact_returns', 'mart_daily_sales'].map((t) => ({
  table: `retail_gold.${t}`, where: 'true',
}));

/** What tonight's dbt run rewrites: gold, and the run and test results dbt records. */
export const DBT_REBUILD: readonly RowSet[] = [...GOLD, ...DBT_ARTIFACTS];

/**
 * Bronze, the ingestion log and the DAGs' recorded runs for a span of paused nights (binds :from and :to):
 * what a night that never ran does not have.
 */
export function pausedNightRows(dagIds: readonly string[]): readonly RowSet[] {
  const inPaused = (column: string) => `${column} BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE)`;
  return [
    ...BRONZE_TABLES.map((t) => ({ table: `retail_bronze.${t}`, where: inPaused('_batch_date') })),
    { table: 'retail_bronze.ingestion_log', where: inPaused('batch_date') },
    { table: 'ops.job_runs', where: `${inPaused('business_date')} AND dag_id IN (${dagIds.map((d) => `'${d}'`).join(', ')})` },
  ];
}

/** Gold as it stood the night before: yesterday's orders are not yet in the facts or the mart. */
export async function dropYesterdaysOrdersFromGold(w: Warehouse, bd: string): Promise<void> {
  for (const t of ['fact_order_items', 'fact_orders', 'mart_daily_sales']) {
    await w.query(`DELETE FROM retail_gold.${t} WHERE order_date = CAST(:bd AS DATE) - 1`, { bd });
  }
}
