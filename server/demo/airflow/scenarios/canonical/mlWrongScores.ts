/**
 * Wrong scores published: the churn model failed to load its features and the ML platform wrote its fallback,
 * 0.5 for every customer, and 5 (outside 0..1) for a few. The ingest takes them in and the enrichment applies them
 * (both succeed): only the score-quality check sees it. Recovery: the model owners rescore (the Rescore action),
 * then the ingest and its enrichment are cleared for the night. Deactivation puts the night's scores back.
 */
import { warehouseTime } from '../../warehouse';
import { replayNight } from '../replay';
import { snapshot } from '../heldRows';
import type { Scenario, ScenarioContext } from '../types';

const ID = 'ml_wrong_scores';
const night = (ctx: ScenarioContext) =>
  snapshot(ctx.warehouse, ID, [
    { table: 'cdm_ingest_db.model_scores', where: 'business_date = CAST(:bd AS DATE)' },
    { table: 'cdm_ingest_db.ingest_log', where: 'business_date = CAST(:bd AS DATE)' },
    { table: 'customer_360.customer_enrichment', where: 'business_date = CAST(:bd AS DATE)' },
  ]);
const rescored = `opsbook_sandbox.${ID}_rescored`;

export const mlWrongScores: Scenario = {
  id: ID,
  title: 'Wrong model scores published',
  summary: "The churn model could not load its features tonight and the ML platform wrote back its fallback: 0.5 for every customer, and 5 for a few. The ingest and the enrichment succeeded on them. Find the unusable scores, escalate to the model owners, and once they rescore (the Rescore action) clear the ingest and its enrichment.",
  runbook: '/canonical/failure-handling#ml-diagnose',
  actions: [{ id: 'rescore', label: 'The model owners rescore the night' }],
  async activate(ctx, bd) {
    await night(ctx).take({ bd });
    // What the platform should have written, for the rescore to write back.
    await ctx.warehouse.query(`CREATE OR REPLACE TABLE ${rescored} AS SELECT * FROM cdm_ingest_db.model_scores WHERE business_date = CAST(:bd AS DATE) AND model_name = 'churn_risk'`, { bd });
    await ctx.warehouse.query(
      `UPDATE cdm_ingest_db.model_scores SET score = CASE WHEN customer_id % 500 = 0 THEN 5 ELSE 0.5 END, score_band = 'MEDIUM'
       WHERE business_date = CAST(:bd AS DATE) AND model_name = 'churn_risk'`,
      { bd },
    );
    const dagRun = await replayNight(ctx, 'cdm_ml_writeback', bd);
    return { note: `Run ${dagRun.runId} of cdm_ml_writeback is replaying the night: it will ingest and apply the fallback churn scores, and succeed.`, dagRun };
  },
  async act(action, ctx, bd) {
    if (action !== 'rescore') throw new Error(`Unknown action ${action}.`);
    await ctx.warehouse.query(
      `UPDATE cdm_ingest_db.model_scores s SET score = r.score, score_band = r.score_band, scored_at = CAST(:now AS TIMESTAMP)
       FROM ${rescored} r WHERE s.business_date = r.business_date AND s.customer_id = r.customer_id AND s.model_name = r.model_name AND s.business_date = CAST(:bd AS DATE)`,
      { bd, now: warehouseTime() },
    );
    return 'The model owners rescored the night: clear ingest_model_scores and its enrichment for the night.';
  },
  async deactivate(ctx, bd) {
    await night(ctx).restore({ bd });
    await ctx.warehouse.query(`DROP TABLE IF EXISTS ${rescored}`);
    return [await replayNight(ctx, 'cdm_ml_writeback', bd)];
  },
};
