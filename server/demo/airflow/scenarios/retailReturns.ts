/**
 * Faults of the retail source onboarded last (returns), as its onboarding runbook verifies it night by night:
 * tonight's returns ingestion failed, or it landed tonight's returns twice (a retry that overlapped its first
 * attempt). Both are repaired with the runbooks' own blocks: re-run the source's ingestion (then, for the
 * duplicates, the failed tests with what follows them). Deactivating puts the batch back exactly.
 */
import type { Scenario } from './types';
import { DBT_ARTIFACTS, GOLD } from './retail';
import { snapshot } from './heldRows';
import { replayNight } from './replay';

const BRONZE = ['customers', 'products', 'stores', 'orders', 'order_items', 'returns'];
const BATCH_BRONZE = [
  ...BRONZE.map((t) => ({ table: `retail_bronze.${t}`, where: `_batch_date = CAST(:bd AS DATE)` })),
  { table: 'retail_bronze.ingestion_log', where: `batch_date = CAST(:bd AS DATE)` },
];

const returnsIngestionFailed: Scenario = {
  id: 'retail_returns_ingestion_failed',
  title: 'The new returns source failed to land',
  summary:
    "The returns API rejected tonight's ingest_returns on both tries (its token had expired after the onboarding's trial period): the batch has orders but no returns. The API team has issued a new token: retry the failed task with what follows it.",
  runbook: '/retail/onboarding-new-source#verify-ingestion',
  async activate(ctx, bd) {
    await snapshot(ctx.warehouse, this.id, BATCH_BRONZE).take({ bd });
    // The night's run is the batch's only load of returns: what it did not reach is not in bronze.
    await ctx.warehouse.query(`DELETE FROM retail_bronze.returns WHERE _batch_date = CAST(:bd AS DATE)`, { bd });
    ctx.faults.set('data_ingestion_bronze', 'ingest_returns', {
      exception: 'HTTPError', message: '401 Client Error: Unauthorized for url: https://returns-api.internal/v1/returns?updated_since=… (token expired)', untilCleared: false, tries: 2,
    });
    const dagRun = await replayNight(ctx, 'data_ingestion_bronze', bd);
    return { note: `Run ${dagRun.runId} of data_ingestion_bronze is replaying batch ${bd}; ingest_returns will fail twice.`, dagRun };
  },
  async deactivate(ctx, bd) {
    ctx.faults.remove('data_ingestion_bronze', 'ingest_returns');
    await snapshot(ctx.warehouse, this.id, BATCH_BRONZE).restore({ bd });
  },
};

const TWICE_FILE = 's3://retail-bronze/returns/retry-overlap/part-0001.json.gz';
const DUPLICATE_ROWS = [...GOLD, ...DBT_ARTIFACTS, { table: 'retail_bronze.returns', where: `_batch_date = CAST(:bd AS DATE)` }];

const returnsLandedTwice: Scenario = {
  id: 'retail_returns_landed_twice',
  title: 'The new returns source landed twice',
  summary:
    "ingest_returns looked hung tonight and was retried while its first attempt was still writing: both landed the batch's returns in bronze, and dbt_test_staging failed on unique_stg_returns_return_id. Re-run the returns ingestion for the batch (it replaces the batch's rows), then the failed tests and what follows them.",
  runbook: '/retail/onboarding-new-source#verify-staging',
  async activate(ctx, bd) {
    await snapshot(ctx.warehouse, this.id, DUPLICATE_ROWS).take({ bd });
    await ctx.warehouse.query(
      `INSERT INTO retail_bronze.returns
       SELECT * REPLACE (CAST(:file AS VARCHAR) AS _source_file, _loaded_at + INTERVAL 4 MINUTE AS _loaded_at) FROM retail_bronze.returns WHERE _batch_date = CAST(:bd AS DATE)`,
      { bd, file: TWICE_FILE },
    );
    const dagRun = await replayNight(ctx, 'data_transformation_dbt', bd);
    return { note: `Run ${dagRun.runId} of data_transformation_dbt is replaying batch ${bd}; dbt_test_staging will fail on unique_stg_returns_return_id.`, dagRun };
  },
  async deactivate(ctx, bd) {
    await snapshot(ctx.warehouse, this.id, DUPLICATE_ROWS).restore({ bd });
  },
};

export const retailReturnsScenarios: readonly Scenario[] = [returnsIngestionFailed, returnsLandedTwice];
