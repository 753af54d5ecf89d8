/**
 * An audience map delta that closed every customer-level mapping: the MDM job that sends tonight's changes to
 * audience.audience_map built its delta from an empty customer key table, so every open Customer mapping was
 * closed the day before. Resolution succeeded, and could not resolve any of the night's contacts or responses at
 * that level. The map is not edited by hand: the MDM team resends a correct delta (the Resend action), then the
 * night's resolution is rerun.
 */
import type { Scenario, ScenarioContext } from '../types';
import { replayNight } from '../replay';

const ID = 'audience_map_closed';
/** The customer-level mappings as they were before the faulty delta (what a correct delta leaves). */
const SAVED = 'opsbook_sandbox.audience_map_customer_before';

async function putMapBack(ctx: ScenarioContext): Promise<boolean> {
  const [saved] = await ctx.warehouse.query(`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'opsbook_sandbox' AND table_name = 'audience_map_customer_before'`);
  if (Number(saved?.n ?? 0) === 0) return false;
  await ctx.warehouse.query(`DELETE FROM audience.audience_map WHERE audience_level = 'Customer'`);
  await ctx.warehouse.query(`INSERT INTO audience.audience_map SELECT * FROM ${SAVED}`);
  await ctx.warehouse.query(`DROP TABLE ${SAVED}`);
  return true;
}

export const audienceMapClosed: Scenario = {
  id: ID,
  title: 'Audience map delta closed every mapping',
  summary:
    "Tonight's audience map delta from MDM was built from an empty customer key table: it closed every Customer-level mapping in audience.audience_map. Audience resolution succeeded but could not resolve the night's contacts and responses at that level. Validate audience resolution, escalate (the map is never edited by hand), and once MDM resends a correct delta (the Resend action), rerun the night's resolution.",
  runbook: '/canonical/basic-data-validation#validate-audience-resolution',
  actions: [{ id: 'resend_delta', label: 'MDM resends a correct audience map delta' }],
  async activate(ctx, bd) {
    const w = ctx.warehouse;
    await w.query(`CREATE OR REPLACE TABLE ${SAVED} AS SELECT * FROM audience.audience_map WHERE audience_level = 'Customer'`);
    await w.query(
      `UPDATE audience.audience_map SET valid_to = CAST(:bd AS DATE) - 1, is_active = false, business_date = CAST(:bd AS DATE),
         load_ts = CAST(:bd AS TIMESTAMP) + INTERVAL '2 hours 40 minutes'
       WHERE audience_level = 'Customer' AND valid_to IS NULL`,
      { bd },
    );
    const dagRun = await replayNight(ctx, 'cdm_audience_resolution', bd);
    return { note: `Every Customer-level mapping was closed on ${bd}; run ${dagRun.runId} of cdm_audience_resolution is replaying the night and will succeed with the night's events unresolved.`, dagRun };
  },
  async act(action, ctx) {
    if (action !== 'resend_delta') throw new Error(`Unknown action ${action}.`);
    await putMapBack(ctx);
    return "MDM resent a correct delta: the Customer-level mappings are open again. Rerun the night's audience resolution (the whole run), then validate again.";
  },
  async deactivate(ctx, bd) {
    await putMapBack(ctx);
    return [await replayNight(ctx, 'cdm_audience_resolution', bd)];
  },
};
