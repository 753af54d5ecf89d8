/**
 * The ecommerce runbook's troubleshooting, A to F, walked on the demo as an operator would: each stage's
 * diagnostic blocks (SQL checks, the S3 listing check, the DLT checks on Databricks, dbt Cloud's run history) on the
 * healthy night, then one training fault — DailyRefresh failed, a real run in error in dbt Cloud — whose dbt checks
 * (the metric tables, and dbt Cloud's latest run) go red, are repaired with the runbook's dbt Cloud re-runs (a safe
 * demo action), and go green; the Tableau check that then sees stale extracts goes green after the refresh.
 */
import { test, expect } from './fixtures';
import { AirflowBlockObject } from './pages/AirflowBlock';
import { RunbookPage, type RunnableBlockObject } from './pages/RunbookPage';
import { TrainingPage } from './pages/TrainingPage';

const PAGE = '/ecommerce/daily-run';
const key = (id: string) => `ecomm-data-pipeline/${id}`;
const SCENARIO = 'ecomm_daily_refresh_failed';

// A training fault and dbt Cloud runs change the demo warehouse: this spec has a server of its own.
test.use({ server: 'ecommerce-troubleshooting' });

async function runCheck(block: RunnableBlockObject, outcome: 'passed' | 'failed'): Promise<void> {
  await block.root.scrollIntoViewIfNeeded();
  await block.run();
  await expect(block.root).toHaveAttribute('data-status', outcome === 'passed' ? 'succeeded' : 'failed', { timeout: 60_000 });
  await expect(block.check).toHaveAttribute('data-check', outcome);
}

test('troubleshooting A–F on the demo: each stage\'s diagnostics, then a failed DailyRefresh found, re-run in dbt Cloud and confirmed', async ({ page, consoleErrors, shot }) => {
  test.setTimeout(600_000);
  const runbook = new RunbookPage(page);
  await runbook.open(PAGE);

  // A. Extraction: the night's orders extract is in the demo S3.
  const s3 = new AirflowBlockObject(page, key('extract-orders-s3'));
  await s3.root.scrollIntoViewIfNeeded();
  await s3.run();
  await expect(s3.root).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  // The listing is a check: the day's file is there and not empty.
  await expect(s3.check).toHaveAttribute('data-check', 'passed');
  await expect(s3.grid).toContainText(/ecomm_db_extracts\/daily_extracts\/orders\/\d{4}-\d{2}-\d{2}\/orders_\d{8}\.csv/);
  await shot('ecomm-troubleshooting-a-s3');

  // B. Bronze: the loaded files' columns match the source tables, and bronze holds every row of the day's window.
  await runCheck(runbook.block(key('file-schema')), 'passed');
  await runCheck(runbook.block(key('bronze-vs-files')), 'passed');
  // C. Silver: the latest DLT update completed, and its expectations dropped no record, as Databricks reports them.
  await runCheck(runbook.block(key('dlt-latest-update-ok')), 'passed');
  const expectations = runbook.block(key('silver-expectations'));
  await runCheck(expectations, 'passed');
  await expect(expectations.grid).toContainText('valid_pk');
  // D. Gold against silver for the day.
  await runCheck(runbook.block(key('gold-vs-silver')), 'passed');
  await shot('ecomm-troubleshooting-d-gold');

  // The fault: this morning's DailyRefresh run failed in dbt Cloud (the SQL warehouse stopped), then Tableau refreshed.
  const training = new TrainingPage(page);
  await training.open();
  const card = training.scenario(SCENARIO);
  await card.activateButton.click();
  await expect(card.root).toHaveAttribute('data-active', 'true', { timeout: 120_000 });
  await runbook.open(PAGE);

  // E. dbt: the check sees the metric tables have nothing for the day; dbt Cloud's history of the job is read.
  const inputsOutputs = runbook.block(key('dbt-inputs-outputs'));
  await runCheck(inputsOutputs, 'failed');
  await expect(inputsOutputs.grid).toContainText('agg_product_kpi');
  await shot('ecomm-troubleshooting-e-red');
  const history = new AirflowBlockObject(page, key('dbt-recent-runs'));
  await history.run();
  await expect(history.root).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  // The failed scheduled run on top, the nights before it under it.
  await expect(history.grid.getByRole('row').filter({ hasText: 'Error' })).toHaveCount(1);
  await expect(history.grid.getByRole('row').filter({ hasText: 'Success' })).toHaveCount(4);
  const latestRun = runbook.block(key('dbt-latest-run-ok'));
  await runCheck(latestRun, 'failed');

  // The fix: each model re-run in the demo dbt Cloud (previewed, then confirmed and followed to the end).
  const rerun = new AirflowBlockObject(page, key('dbt-rerun-model'));
  for (const model of ['agg_sales_kpi', 'agg_product_kpi', 'agg_customer_kpi']) {
    await rerun.root.scrollIntoViewIfNeeded();
    await rerun.param('model').selectOption(model);
    await rerun.run();
    const preview = rerun.root.locator('[data-system-preview="confirm"]');
    await expect(preview).toBeVisible({ timeout: 60_000 });
    await expect(rerun.grid).toContainText(`dbt run -m ${model}`);
    await preview.getByRole('button', { name: 'Run it in dbt Cloud' }).click();
    await expect(rerun.root).toHaveAttribute('data-status', 'succeeded', { timeout: 120_000 });
    await expect(rerun.root).toHaveAttribute('data-airflow-state', 'success');
    await expect(rerun.grid).toContainText(`model.ecomm.${model}`);
    await expect(rerun.grid).toContainText('success');
  }
  await shot('ecomm-troubleshooting-e-rerun');
  await runCheck(inputsOutputs, 'passed');
  await runCheck(latestRun, 'passed');
  await shot('ecomm-troubleshooting-e-green');
  // dbt Cloud's history now holds the three re-runs above the failed run, newest first (and one night before).
  await history.run();
  await expect(history.root).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  await expect(history.grid.getByRole('row').filter({ hasText: 'Success' })).toHaveCount(4);
  await expect(history.grid.getByRole('row').filter({ hasText: 'Error' })).toHaveCount(1);

  // F. Tableau: the extracts copy the metric tables as they are when refreshed, so they are refreshed after this
  // re-run; then Tableau answers that each dashboard's data source holds yesterday.
  const tableau = runbook.block(key('sales-kpi-holds-day'));
  // This morning's refresh copied the night before's figures, and dbt's re-run does not change the extract.
  await runCheck(tableau, 'failed');
  await shot('ecomm-troubleshooting-f-red');
  // The refresh is a write in Tableau: the page shows what it would refresh, then runs it once confirmed.
  const refresh = new AirflowBlockObject(page, key('refresh-tableau-extracts'));
  await refresh.root.scrollIntoViewIfNeeded();
  await refresh.run();
  const preview = refresh.root.locator('[data-system-preview="confirm"]');
  await expect(preview).toBeVisible();
  await preview.getByRole('button', { name: 'Run it in Tableau' }).click();
  await expect(refresh.root).toHaveAttribute('data-status', 'succeeded', { timeout: 300_000 });
  await expect(refresh.root).toHaveAttribute('data-airflow-state', 'success');
  await runCheck(tableau, 'passed');
  await shot('ecomm-troubleshooting-f-green');

  // The same page in the dark theme and at 420 px, for review.
  await inputsOutputs.root.scrollIntoViewIfNeeded();
  await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
  await shot('ecomm-troubleshooting-e-green-dark');
  await page.setViewportSize({ width: 420, height: 900 });
  await rerun.root.scrollIntoViewIfNeeded();
  await shot('ecomm-troubleshooting-e-rerun-420-dark');

  await training.open();
  await training.scenario(SCENARIO).deactivateButton.click();
  await expect(training.scenario(SCENARIO).root).toHaveAttribute('data-active', 'false');
  expect(consoleErrors).toEqual([]);
});
