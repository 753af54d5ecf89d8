import { test, expect } from './fixtures';
import { AirflowBlockObject } from './pages/AirflowBlock';
import { RunbookPage, RunnableBlockObject } from './pages/RunbookPage';
import { TrainingPage } from './pages/TrainingPage';

const RUN_TASKS = 'canonical-daily-batch/dag-run-tasks';
const CLEAR_360 = 'canonical-failure-handling/clear-360-tasks';
const RERUN_DOWNSTREAM = 'canonical-rerun-backfill/clear-whole-run';
const AGGREGATES_FRESH = 'canonical-basic-data-validation/aggregate-refresh-timestamp';
const SCENARIO = 'failed_task_until_cleared';

// A training scenario injects a fault into the demo warehouse and sandbox: this spec gets its own server,
// so a check elsewhere never sees the fault (and a half-finished run here leaves nothing behind).
test.use({ server: 'training' });

test('a failure scenario from the Training page: the failed run in a runbook, then the clear with its dry run, and the rerun to success', async ({
  page,
  consoleErrors,
  shot,
}) => {
  const training = new TrainingPage(page);
  await training.open();
  const card = training.scenario(SCENARIO);
  await expect(card.root).toHaveAttribute('data-active', 'false');
  await card.activateButton.click();
  await expect(card.root).toHaveAttribute('data-active', 'true');
  await expect(card.root).toContainText('cdm_360_refresh');
  await expect(card.root.locator('[data-dag-run]')).toHaveAttribute('data-dag-run', /^cdm_360_refresh\/scheduled__/);
  await expect(card.runbookLink).toHaveAttribute('href', '/canonical/failure-handling#360-layer-failure');
  await expect(card.deactivateButton).toBeEnabled();
  await shot('training-active');

  // The daily check of the night's run: it replays for a few seconds, then fails at refresh_campaign_360.
  await new RunbookPage(page).open('/canonical/daily-batch');
  const states = new AirflowBlockObject(page, RUN_TASKS);
  await states.param('dag_id').selectOption('cdm_360_refresh');
  await expect(async () => {
    await states.run();
    await expect(states.root).toHaveAttribute('data-status', 'succeeded');
    // Until the replay reaches the failure the run shows running; then this check runs again.
    await expect(states.root).toHaveAttribute('data-airflow-state', 'failed', { timeout: 5_000 });
  }).toPass({ timeout: 300_000 });
  await expect(states.task('refresh_customer_360')).toHaveAttribute('data-state', 'success');
  await expect(states.task('refresh_campaign_360')).toHaveAttribute('data-state', 'failed');
  await expect(states.task('refresh_flowchart_360')).toHaveAttribute('data-state', 'upstream_failed');
  await expect(states.grid).toContainText('refresh_campaign_360');
  await shot('airflow-failed-run');

  // The recovery step: the dry run lists what the clear would reset, and nothing changes yet.
  await new RunbookPage(page).open('/canonical/failure-handling');
  const clear = new AirflowBlockObject(page, CLEAR_360);
  await clear.record();
  await clear.run();
  await expect(clear.root).toHaveAttribute('data-clear', 'confirm');
  await expect(clear.clearPreview).toBeVisible();
  await expect(clear.grid.getByRole('row')).toHaveCount(3); // header + the failed task and its downstream
  await expect(clear.grid).toContainText('refresh_campaign_360');
  await expect(clear.grid).toContainText('refresh_flowchart_360');
  await expect(clear.grid).toContainText('upstream_failed');
  await expect(clear.clearPreview.getByRole('listitem').filter({ hasText: 'refresh_flowchart_360' }).last()).toContainText('upstream failed');
  await expect(clear.taskGrid).toHaveCount(0); // a dry run follows nothing
  await expect(clear.confirmClearButton).toBeEnabled();
  await shot('airflow-clear-preview');

  await clear.confirmClearButton.click();
  // Whether the page shows the retry running depends on how fast the machine is; what it followed is in
  // the terminal (checked below), and following a held run is airflow.spec.ts's job.
  await expect(clear.root).toHaveAttribute('data-status', 'succeeded');
  await expect(clear.root).toHaveAttribute('data-airflow-state', 'success');
  await expect(clear.task('refresh_campaign_360')).toHaveAttribute('data-state', 'success');
  await expect(clear.task('refresh_flowchart_360')).toHaveAttribute('data-state', 'success');
  await expect(clear.alert).toHaveCount(0);
  const log = await clear.terminalText();
  expect(log).toContain('Dry run: 2 task instances in 1 run would be cleared');
  expect(log).toContain('Cleared 2 task instances in 1 run; following the new attempts.');
  expect(log).toContain('── refresh_campaign_360 · try 3 ──');
  await expect(clear.terminal).toContainText('cdm_360_refresh run scheduled__');
  await expect(clear.terminal).toContainText('(3 success)');
  await expect(clear.terminal).toContainText('✔ succeeded');
  await shot('airflow-cleared');

  // The aggregates read the 360 layers, so they are now older than them: rerun the night's aggregate
  // refresh, as the recovery step says, and the validation check passes again.
  await new RunbookPage(page).open('/canonical/rerun-backfill');
  const downstream = new AirflowBlockObject(page, RERUN_DOWNSTREAM);
  await downstream.param('dag_id').selectOption('cdm_aggregate_refresh');
  await downstream.run();
  await expect(downstream.root).toHaveAttribute('data-clear', 'confirm');
  await downstream.confirmClearButton.click();
  await expect(downstream.root).toHaveAttribute('data-status', 'succeeded');
  await expect(downstream.root).toHaveAttribute('data-airflow-state', 'success');
  await new RunbookPage(page).open('/canonical/basic-data-validation');
  const fresh = new RunnableBlockObject(page, AGGREGATES_FRESH);
  await fresh.run();
  await expect(fresh.check).toHaveAttribute('data-check', 'passed');

  // Put the demo back, as a trainee would (this server is the spec's own, so nobody else depends on it).
  await training.open();
  await training.scenario(SCENARIO).deactivateButton.click();
  await expect(training.scenario(SCENARIO).root).toHaveAttribute('data-active', 'false');
  expect(consoleErrors).toEqual([]);
});
