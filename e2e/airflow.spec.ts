import { test, expect, type Page } from './fixtures';
import { AirflowBlockObject } from './pages/AirflowBlock';
import { RunbookPage } from './pages/RunbookPage';

/** Service-team snippets of the Canonical runbooks (escalation steps would need an approval first). */
const TRIGGER = 'canonical-setup-dags/trigger-variable-sync';
const TRIGGER_DATE_CONTROL = 'canonical-setup-dags/trigger-date-control';
const PAUSE = 'canonical-release-config-change/pause-dag';
const UNPAUSE = 'canonical-release-config-change/unpause-dag';
const DATE_CONTROL_DAG = 'etl_date_control_update_dag';

// These tests trigger DAG runs and pause DAGs: they get a sandbox of their own.
test.use({ server: 'airflow' });

/** Pauses or unpauses a DAG the way an operator does, from the release runbook's step. */
async function setPaused(page: Page, dagId: string, paused: boolean): Promise<void> {
  await new RunbookPage(page).open('/canonical/release-config-change');
  const block = new AirflowBlockObject(page, paused ? PAUSE : UNPAUSE);
  await block.param('dag_id').selectOption(dagId);
  await block.run();
  await expect(block.root).toHaveAttribute('data-status', 'succeeded');
}

test.describe('Airflow from the page', () => {
  test('triggers a DAG: task states update in the grid, task logs stream into the terminal, done succeeded', async ({ page, consoleErrors, shot }) => {
    await new RunbookPage(page).open('/canonical/setup-dags');
    const block = new AirflowBlockObject(page, TRIGGER);
    await expect(block.root).toHaveAttribute('data-mode', 'write');
    await block.record();
    await block.run();

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
    // A paused DAG holds its new run in the queue, so the run is still going however slow the machine is.
    await setPaused(page, DATE_CONTROL_DAG, true);
    await new RunbookPage(page).open('/canonical/setup-dags');
    const block = new AirflowBlockObject(page, TRIGGER_DATE_CONTROL);
    await block.run();
    await expect(block.root).toHaveAttribute('data-airflow-state', 'queued');
    await block.stopButton.click();
    await expect(block.root).toHaveAttribute('data-status', 'cancelled');
    await expect(block.status).toContainText('Stopped following');
    await expect(block.root).toContainText('the DAG run keeps going');
    await expect(block.alert).toHaveCount(0);
    await setPaused(page, DATE_CONTROL_DAG, false);
    expect(consoleErrors).toEqual([]);
  });
});
