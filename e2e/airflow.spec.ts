import { test, expect, type Page } from './fixtures';
import { AirflowBlockObject } from './pages/AirflowBlock';
import { RunbookPage } from './pages/RunbookPage';

/** Service-team snippets of the Canonical runbooks (escalation steps would need an approval first). */
const TRIGGER_DATE_CONTROL = 'canonical-setup-dags/trigger-date-control';
const PAUSE = 'canonical-release-config-change/pause-dag';
const UNPAUSE = 'canonical-release-config-change/unpause-dag';
const DATE_CONTROL_DAG = 'etl_date_control_update_dag';
const DATE_CONTROL_TASK = 'update_etl_date_control';

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
    // The DAG is paused first, so the run waits in the queue until the test has seen it there: what the
    // page shows while a run goes on is checked against a run that is certainly still going.
    await setPaused(page, DATE_CONTROL_DAG, true);
    await new RunbookPage(page).open('/canonical/setup-dags');
    const block = new AirflowBlockObject(page, TRIGGER_DATE_CONTROL);
    await expect(block.root).toHaveAttribute('data-mode', 'write');
    await block.record();
    await block.runAndConfirmTrigger();

    await expect(block.root).toHaveAttribute('data-airflow-state', 'queued');
    await expect(block.stopButton).toBeEnabled();
    await expect(block.taskRows).toHaveCount(1);
    await expect.poll(() => block.seenLog('running')).toContain(`Triggered ${DATE_CONTROL_DAG}: run manual__`);
    await shot('airflow-following');

    // Unpausing is another operator's step, on another page; this one keeps following the run.
    const elsewhere = await page.context().newPage();
    await setPaused(elsewhere, DATE_CONTROL_DAG, false);
    await elsewhere.close();

    await expect(block.root).toHaveAttribute('data-status', 'succeeded');
    await expect(block.root).toHaveAttribute('data-airflow-state', 'success');
    await expect(block.task(DATE_CONTROL_TASK)).toHaveAttribute('data-state', 'success');
    // The grid moved with the run: the task was seen waiting before it succeeded, not only at the end.
    const seen = await block.seenStates(DATE_CONTROL_TASK);
    expect(seen.at(-1)).toBe('success');
    expect(seen.length, `${DATE_CONTROL_TASK} went through ${seen.join(' → ')}`).toBeGreaterThan(1);
    // The task's log reached the terminal under its try's header…
    const log = await block.terminalText();
    expect(log).toContain(`── ${DATE_CONTROL_TASK} · try 1 ──`);
    expect(log).toContain('INFO - Setting business date');
    expect(log).toContain('Rows affected: 8');
    expect(log).toContain('Marking task as SUCCESS');
    expect(log).toMatch(new RegExp(`${DATE_CONTROL_DAG} run manual__\\S+: success \\(1 success\\)`));
    // …and the run's outcome is what it shows now (the end of the log, in the visible rows).
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
    await block.runAndConfirmTrigger();
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
