/** refresh_campaign_360 fails on every try of every run until an operator clears the failed task instance. */
import { replayNight } from '../replay';
import type { Scenario } from '../types';

export const failedTaskUntilCleared: Scenario = {
  id: 'failed_task_until_cleared',
  title: 'A task that fails until cleared',
  summary: 'refresh_campaign_360 hits a lock held by a stale session and fails on every try of every new run, until an operator clears the failed task instance (which ends the stale session). Triggering the DAG again does not help: clear it.',
  runbook: '/canonical/failure-handling#360-layer-failure',
  async activate(ctx, bd) {
    ctx.faults.set('cdm_360_refresh', 'refresh_campaign_360', {
      exception: 'OperationalError', message: 'Lock wait timeout on campaign_360.campaign_360: held by a stale session of a previous run.', untilCleared: true,
    });
    const dagRun = await replayNight(ctx, 'cdm_360_refresh', bd);
    return { note: `Run ${dagRun.runId} of cdm_360_refresh is replaying the night and will fail at refresh_campaign_360 until the task is cleared.`, dagRun };
  },
  async deactivate(ctx, bd) {
    ctx.faults.remove('cdm_360_refresh', 'refresh_campaign_360');
    return [await replayNight(ctx, 'cdm_360_refresh', bd)];
  },
};
