import { test, expect } from './fixtures';
import { AirflowBlockObject } from './pages/AirflowBlock';
import { RunbookPage, RunnableBlockObject } from './pages/RunbookPage';
import { TrainingPage } from './pages/TrainingPage';

/** Service-team snippets of the Canonical runbooks (escalation steps would need an approval first). */
const TRIGGER = 'canonical-setup-dags/trigger-variable-sync';
const RUN_TASKS = 'canonical-daily-batch/dag-run-tasks';
const CLEAR_360 = 'canonical-failure-handling/clear-360-tasks';
const RERUN_DOWNSTREAM = 'canonical-rerun-backfill/clear-whole-run';
const AGGREGATES_FRESH = 'canonical-basic-data-validation/aggregate-refresh-timestamp';
const SCENARIO = 'failed_task_until_cleared';

test.describe('Airflow from the page', () => {
  test('triggers a DAG: task states update in the grid, task logs stream into the terminal, done succeeded', async ({ page, consoleErrors, shot }) => {
    await new RunbookPage(page).open('/canonical/setup-dags');
    const block = new AirflowBlockObject(page, TRIGGER);
    await expect(block.root).toHaveAttribute('data-mode', 'write');
    await block.record();
    await block.runAndConfirmTrigger();

    await expect(block.root).toHaveAttribute('data-airflow-state', /^(queued|running)$/);
    await expect(block.stopButton).toBeEnabled();
    await expect(block.taskRows).toHaveCount(3);
    await shot('airflow-following');

    await expect(block.root).toHaveAttribute('data-status', 'succeeded');
    await expect(block.root).toHaveAttribute('data-airflow-state', 'success');
    for (const task of ['read_variable_config', 'sync_variables', 'verify_variables']) {
      await expect(block.task(task)).toHaveAttribute('data-state', 'success');
      // The grid moved with the run: each task was seen before it succeeded, not only at the end.
      const seen = await block.seenStates(task);
      expect(seen.at(-1)).toBe('success');
      expect(seen.length, `${task} went through ${seen.join(' → ')}`).toBeGreaterThan(1);
    }
    expect(await block.seenStates('verify_variables')).toContain('none');
    // Task logs reached the terminal while the run went on, each try under its own header…
    const live = await block.seenLog('running');
    expect(live).toContain('Triggered airflow_variable_sync: run manual__');
    expect(live).toContain('INFO - ');
    expect(live).toContain('Marking task as SUCCESS');
    const log = await block.terminalText();
    for (const task of ['read_variable_config', 'sync_variables', 'verify_variables']) expect(log).toContain(`── ${task} · try 1 ──`);
    expect(log).toContain('INFO - All 14 required variables are set');
    // …and the end of the last task's log and the run's outcome are what it shows now.
    await expect(block.terminal).toContainText('task_id=verify_variables');
    await expect(block.terminal).toContainText('airflow_variable_sync run manual__');
    await expect(block.terminal).toContainText('(3 success)');
    await expect(block.terminal).toContainText('✔ succeeded');
    await expect(block.alert).toHaveCount(0);
    await shot('airflow-succeeded');
    expect(consoleErrors).toEqual([]);
  });

  test('Stop following leaves the DAG run going', async ({ page, consoleErrors }) => {
    await new RunbookPage(page).open('/canonical/setup-dags');
    const block = new AirflowBlockObject(page, TRIGGER);
    await block.runAndConfirmTrigger();
    await expect(block.root).toHaveAttribute('data-airflow-state', /^(queued|running)$/);
    await block.stopButton.click();
    await expect(block.root).toHaveAttribute('data-status', 'cancelled');
    await expect(block.status).toContainText('Stopped following');
    await expect(block.root).toContainText('the DAG run keeps going');
    await expect(block.alert).toHaveCount(0);
    expect(consoleErrors).toEqual([]);
  });

  test('a failure scenario from the Training page: the failed run in a runbook, then the clear with its dry run, and the rerun to success', async ({
    page,
    consoleErrors,
    shot,
  }) => {
    test.setTimeout(150_000);
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
      await expect(states.root).toHaveAttribute('data-airflow-state', 'failed', { timeout: 500 });
    }).toPass({ timeout: 60_000 });
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
    await expect(clear.root).toHaveAttribute('data-status', 'running');
    await expect(clear.stopButton).toBeEnabled();
    await expect(clear.root).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
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
    await expect(downstream.root).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
    await expect(downstream.root).toHaveAttribute('data-airflow-state', 'success');
    await new RunbookPage(page).open('/canonical/basic-data-validation');
    const fresh = new RunnableBlockObject(page, AGGREGATES_FRESH);
    await fresh.run();
    await expect(fresh.check).toHaveAttribute('data-check', 'passed');

    // Put the demo back for whoever comes next.
    await training.open();
    await training.scenario(SCENARIO).deactivateButton.click();
    await expect(training.scenario(SCENARIO).root).toHaveAttribute('data-active', 'false');
    expect(consoleErrors).toEqual([]);
  });
});
