/**
 * The ML write-back tasks of cdm_ml_writeback. The ML platform writes its scores into the table the release
 * names (cdm_ml_scores_source, cdm_ingest_db.model_scores); the ingest takes in what it wrote for the business
 * date and records it in cdm_ingest_db.ingest_log, then the enrichment applies the scores to Customer 360. The
 * ingest does not judge the scores (the runbook's score-quality check does), so unusable scores are applied as
 * the real pipeline would apply them.
 */
import type { TaskContext } from '../model';

const DEFAULT_MODELS = 'churn_risk,offer_propensity';

export async function ingestModelScores(ctx: TaskContext): Promise<void> {
  const bd = ctx.businessDate;
  const source = ctx.variables.get('cdm_ml_scores_source')?.value || 'cdm_ingest_db.model_scores';
  const models = ctx.variables.get('cdm_ml_models')?.value || DEFAULT_MODELS;
  ctx.log(`Reading the scores the ML platform wrote back for business date ${bd} from ${source} (models ${models})`);
  try {
    // Where a real ingest fails: reading the platform's write-back (permissions, a missing share).
    await ctx.failIfFaulted();
  } catch (error) {
    ctx.log(`The write-back could not be read; recording the ingest of ${bd} as FAILED`, 'ERROR');
    await ctx.sql(
      `UPDATE cdm_ingest_db.ingest_log SET status = 'FAILED', rows_loaded = 0, received_at = CAST(:now AS TIMESTAMP), loaded_at = NULL WHERE business_date = CAST(:bd AS DATE)`,
      { bd, now: ctx.now() },
    );
    throw error;
  }
  const received = await ctx.sql(
    `SELECT model_name, max(model_version) AS model_version, count(*) AS scores FROM cdm_ingest_db.model_scores WHERE business_date = CAST(:bd AS DATE) GROUP BY model_name ORDER BY model_name`,
    { bd },
  );
  await ctx.pause(0.5);
  for (const r of received) {
    ctx.log(`Model ${String(r.model_name)} ${String(r.model_version)}: ${String(r.scores)} scores received and loaded`);
    await ctx.sql(
      `UPDATE cdm_ingest_db.ingest_log SET status = 'SUCCEEDED', model_version = :version, rows_received = :n, rows_loaded = :n, rows_rejected = 0,
         received_at = CAST(:start AS TIMESTAMP), loaded_at = CAST(:now AS TIMESTAMP)
       WHERE business_date = CAST(:bd AS DATE) AND model_name = :model`,
      // To the millisecond: the daily check wants the enrichment strictly after the load, and both can fall in one second.
      { bd, model: String(r.model_name), version: String(r.model_version), n: Number(r.scores), start: ctx.startedAt, now: ctx.preciseNow() },
    );
  }
  await ctx.sql(`UPDATE cdm_ingest_db.model_scores SET loaded_at = CAST(:now AS TIMESTAMP) WHERE business_date = CAST(:bd AS DATE)`, { bd, now: ctx.preciseNow() });
}

export async function enrichCustomer360(ctx: TaskContext): Promise<void> {
  const bd = ctx.businessDate;
  ctx.log(`Applying the model scores of ${bd} to Customer 360 (customer_360.customer_enrichment replaces the date's rows)`);
  await ctx.sql(`DELETE FROM customer_360.customer_enrichment WHERE business_date = CAST(:bd AS DATE)`, { bd });
  // Where a real failure would surface: the insert after the delete (memory, a timeout), which leaves the date
  // without enrichment until a rerun.
  await ctx.failIfFaulted();
  await ctx.sql(
    `INSERT INTO customer_360.customer_enrichment
     SELECT business_date, customer_id,
            max(score) FILTER (WHERE model_name = 'churn_risk'), max(score_band) FILTER (WHERE model_name = 'churn_risk'),
            max(score) FILTER (WHERE model_name = 'offer_propensity'), max(score_band) FILTER (WHERE model_name = 'offer_propensity'),
            max(model_version) FILTER (WHERE model_name = 'churn_risk'), max(model_version) FILTER (WHERE model_name = 'offer_propensity'),
            CAST(:now AS TIMESTAMP)
     FROM cdm_ingest_db.model_scores WHERE business_date = CAST(:bd AS DATE)
     GROUP BY business_date, customer_id`,
    { bd, now: ctx.preciseNow() },
  );
  const [n] = await ctx.sql(`SELECT count(*) AS enriched FROM customer_360.customer_enrichment WHERE business_date = CAST(:bd AS DATE)`, { bd });
  ctx.log(`${String(n?.enriched ?? 0)} customers enriched for ${bd}`);
}
