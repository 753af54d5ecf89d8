/**
 * Attribution reported late: Google Ads had not yet reported the report date's conversions when last night's
 * growth run pulled them (the platform's conversion reporting lags). The pull succeeded with what the API had,
 * the paid sign-ups it attributes have no campaign, and dbt_test_growth failed. Once Google Ads reports them
 * (an action), a retry of the pull and what follows it repairs the day. Deactivating puts the day back exactly.
 */
import type { Scenario, ScenarioContext } from './types';
import { addDays } from '../warehouse';
import { holdBack, snapshot } from './heldRows';
import { replayNight } from './replay';

const ROWS = [
  { table: 'investor.fact_growth', where: `event_date = CAST(:rd AS DATE)` },
  { table: 'investor.agg_growth', where: `date = CAST(:rd AS DATE)` },
  { table: 'investor_ops.refresh_log', where: `pipeline = 'growth-aggregate' AND grain = 'daily' AND period_start = CAST(:rd AS DATE)` },
  { table: 'investor_ops.marketing_api_pulls', where: `report_date = CAST(:rd AS DATE)` },
];
const UNREPORTED = (ctx: ScenarioContext) =>
  holdBack(ctx.warehouse, 'investor_src.marketing_attribution', 'held_inv_google_conversions', `report_date = CAST(:rd AS DATE) AND api_name = 'google_ads'`);

const attributionDelayed: Scenario = {
  id: 'investor_attribution_delayed',
  title: 'Attribution not reported yet (paid sign-ups without a campaign)',
  summary:
    "Google Ads had not reported the report date's conversions when last night's growth run pulled attribution: the pull succeeded with what the API had, the day's Google-attributed sign-ups have no campaign, and dbt_test_growth failed. When Google Ads reports them (the Deliver action), retry the pull and what follows it.",
  runbook: '/investor/growth-aggregate#case1-api',
  actions: [{ id: 'deliver', label: "Google Ads reports the day's conversions" }],
  async activate(ctx, bd) {
    const rd = addDays(bd, -1);
    await snapshot(ctx.warehouse, this.id, ROWS).take({ rd });
    const n = await UNREPORTED(ctx).hold({ rd });
    const dagRun = await replayNight(ctx, 'investor_growth_aggregate', bd);
    return { note: `Run ${dagRun.runId} of investor_growth_aggregate is replaying report date ${rd} without Google Ads' ${n} conversions; dbt_test_growth will fail.`, dagRun };
  },
  async act(action, ctx, bd) {
    if (action !== 'deliver') throw new Error(`Unknown action ${action}.`);
    const n = await UNREPORTED(ctx).deliver();
    return `Google Ads reported ${n} conversions for ${addDays(bd, -1)}. Retry the pull and what follows it.`;
  },
  async deactivate(ctx, bd) {
    await UNREPORTED(ctx).deliver();
    await snapshot(ctx.warehouse, this.id, ROWS).restore({ rd: addDays(bd, -1) });
  },
};

export const investorAttributionScenarios: readonly Scenario[] = [attributionDelayed];
