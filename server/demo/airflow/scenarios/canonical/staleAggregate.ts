/** The warehouse was suspended during the refresh of agg.daily_campaign_metrics: both tries failed, the rows are a day old and their rolling windows empty. */
import { warehouseTime } from '../../warehouse';
import { replayNight } from '../replay';
import type { Scenario } from '../types';

export const staleAggregate: Scenario = {
  id: 'stale_aggregate',
  title: 'Stale aggregate',
  summary: "The warehouse was suspended during tonight's refresh of agg.daily_campaign_metrics: both tries failed in the window statement, so its rows still carry yesterday's refresh time and their rolling contact windows are empty. Validate the aggregates, then clear the failed refresh.",
  runbook: '/canonical/basic-data-validation',
  async activate(ctx, bd) {
    await ctx.warehouse.query(`UPDATE agg.daily_campaign_metrics SET refresh_ts = refresh_ts - INTERVAL 1 DAY WHERE business_date = CAST(:bd AS DATE)`, { bd });
    ctx.faults.set('cdm_aggregate_refresh', 'refresh_daily_campaign_metrics', {
      exception: 'OperationalError', message: 'Warehouse OPS_WH was suspended during the refresh of agg.daily_campaign_metrics; the statement was aborted.', untilCleared: false, tries: 2,
    });
    const dagRun = await replayNight(ctx, 'cdm_aggregate_refresh', bd);
    return { note: `Run ${dagRun.runId} of cdm_aggregate_refresh is replaying the night; refresh_daily_campaign_metrics will fail twice.`, dagRun };
  },
  async deactivate(ctx, bd) {
    ctx.faults.remove('cdm_aggregate_refresh', 'refresh_daily_campaign_metrics');
    await ctx.warehouse.query(`UPDATE agg.daily_campaign_metrics SET refresh_ts = CAST(:now AS TIMESTAMP) WHERE business_date = CAST(:bd AS DATE)`, { bd, now: warehouseTime() });
    return [await replayNight(ctx, 'cdm_aggregate_refresh', bd)];
  },
};
