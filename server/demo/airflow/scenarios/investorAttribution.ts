/**
 * Attribution reported late: Google Ads had not yet reported the report date's conversions when last night's
 * growth run pulled them (the platform's conversion reporting lags). The pull succeeded with what the API had,
 * the paid sign-ups it attributes have no campaign, and dbt_test_growth failed. Once Google Ads reports them
 * (an action), a retry of the pull and what follows it repairs the day. Deactivating puts the day back exactly.
 */
import type { Scenario, ScenarioContext } from './types';
import { holdBack } from './heldRows';
import { reportDateScenario } from './reportDate';

const UNREPORTED = (ctx: ScenarioContext) =>
  holdBack(ctx.warehouse, 'investor_src.marketing_attribution', 'held_inv_google_conversions', `report_date = CAST(:rd AS DATE) AND api_name = 'google_ads'`);

const attributionDelayed = reportDateScenario({
  id: 'investor_attribution_delayed',
  title: 'Attribution not reported yet (paid sign-ups without a campaign)',
  summary:
    "Google Ads had not reported the report date's conversions when last night's growth run pulled attribution: the pull succeeded with what the API had, the day's Google-attributed sign-ups have no campaign, and dbt_test_growth failed. When Google Ads reports them (the Deliver action), retry the pull and what follows it.",
  runbook: '/investor/growth-aggregate#case1-api',
  actions: [{ id: 'deliver', label: "Google Ads reports the day's conversions" }],
  rows: [
    { table: 'investor.fact_growth', where: `event_date = CAST(:rd AS DATE)` },
    { table: 'investor.agg_growth', where: `date = CAST(:rd AS DATE)` },
    { table: 'investor_ops.refresh_log', where: `pipeline = 'growth-aggregate' AND grain = 'daily' AND period_start = CAST(:rd AS DATE)` },
    { table: 'investor_ops.marketing_api_pulls', where: `report_date = CAST(:rd AS DATE)` },
  ],
  dagId: 'investor_growth_aggregate',
  async inject(ctx, rd) {
    const n = await UNREPORTED(ctx).hold({ rd });
    return ` without Google Ads' ${n} conversions; dbt_test_growth will fail.`;
  },
  async act(_action, ctx, rd) {
    const n = await UNREPORTED(ctx).deliver();
    return `Google Ads reported ${n} conversions for ${rd}. Retry the pull and what follows it.`;
  },
  async undo(ctx) {
    await UNREPORTED(ctx).deliver();
  },
});

export const investorAttributionScenarios: readonly Scenario[] = [attributionDelayed];
