import { test, expect } from './fixtures';
import { AirflowBlockObject } from './pages/AirflowBlock';
import { RunbookPage } from './pages/RunbookPage';

const S3_LISTING = 'ecomm-data-pipeline/extract-orders-s3';
const DBT_RERUN = 'ecomm-data-pipeline/dbt-rerun-model';
const TABLEAU_REFRESH = 'ecomm-data-pipeline/refresh-tableau-extracts';
const SALES_KPI_DAY = 'ecomm-data-pipeline/sales-kpi-holds-day';
const SALES_KPI_LAST_REFRESH = 'ecomm-data-pipeline/sales-kpi-last-refresh';
const SLACK_RECOVERED = 'ecomm-data-pipeline/notify-data-eng-recovered';
const SHOTS = '/work/shots/systems';

// A dbt Cloud run rebuilds metric tables other specs read: this spec has a server of its own.
test.use({ server: 'systems' });

test.describe('System blocks on the ecommerce runbook (demo)', () => {
  test('lists the orders extract in the demo S3, then re-runs a model in the demo dbt Cloud after its preview', async ({ page, consoleErrors }) => {
    await new RunbookPage(page).open('/ecommerce/daily-run');

    const s3 = new AirflowBlockObject(page, S3_LISTING);
    await expect(s3.root).toHaveAttribute('data-mode', 'read');
    await s3.run();
    await expect(s3.root).toHaveAttribute('data-status', 'succeeded');
    await expect(s3.grid).toContainText(/ecomm_db_extracts\/daily_extracts\/orders\/\d{4}-\d{2}-\d{2}\/orders_\d{8}\.csv/);
    await s3.root.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/s3-listing-light.png` });

    const dbt = new AirflowBlockObject(page, DBT_RERUN);
    await expect(dbt.root).toHaveAttribute('data-mode', 'write');
    await dbt.run();
    const preview = dbt.root.locator('[data-system-preview="confirm"]');
    await expect(preview).toBeVisible();
    await expect(dbt.grid).toContainText('DailyRefresh');
    await expect(dbt.grid).toContainText('dbt run -m agg_sales_kpi');
    await dbt.root.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/dbt-preview-light.png` });
    await preview.getByRole('button', { name: 'Run it in dbt Cloud' }).click();
    await expect(dbt.root).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
    await expect(dbt.root).toHaveAttribute('data-airflow-state', 'success');
    await expect(dbt.task('Invoke dbt run -m agg_sales_kpi')).toHaveAttribute('data-state', 'success');
    await expect(dbt.grid).toContainText('model.ecomm.agg_sales_kpi');
    expect(await dbt.terminalText()).toContain('OK created sql table model ecomm_metrics.agg_sales_kpi');
    await dbt.root.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/dbt-run-light.png` });

    await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
    await page.screenshot({ path: `${SHOTS}/dbt-run-dark.png` });
    await page.setViewportSize({ width: 420, height: 900 });
    await s3.root.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/s3-listing-420.png` });
    await dbt.root.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/dbt-run-420-dark.png` });
    expect(consoleErrors).toEqual([]);
  });

  test('refreshes the dashboards\' extracts in the demo Tableau after its preview, then tells #data-eng in the demo Slack', async ({ page, consoleErrors }) => {
    await new RunbookPage(page).open('/ecommerce/daily-run');

    const refresh = new AirflowBlockObject(page, TABLEAU_REFRESH);
    await expect(refresh.root).toHaveAttribute('data-mode', 'write');
    await refresh.run();
    const preview = refresh.root.locator('[data-system-preview="confirm"]');
    await expect(preview).toBeVisible();
    await expect(refresh.grid).toContainText('Ecommerce KPIs');
    await preview.getByRole('button', { name: 'Run it in Tableau' }).click();
    await expect(refresh.root).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
    await expect(refresh.root).toHaveAttribute('data-airflow-state', 'success');
    await expect(refresh.task('refresh extract')).toHaveAttribute('data-state', 'success');
    await expect(refresh.grid).toContainText('Success');
    expect(await refresh.terminalText()).toMatch(/refresh of the workbook "Ecommerce KPIs" queued as job/);
    await refresh.root.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/tableau-refresh-light.png` });

    // The checks ask Tableau: the data source holds yesterday (VizQL Data Service), and its latest refresh is this one.
    const day = new AirflowBlockObject(page, SALES_KPI_DAY);
    await expect(day.root).toHaveAttribute('data-mode', 'read');
    await day.run();
    await expect(day.root).toHaveAttribute('data-status', 'succeeded');
    await expect(day.grid).toContainText('max_kpi_date');
    await expect(day.grid).toContainText(/\d{4}-\d{2}-\d{2}/);
    await day.root.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/tableau-query-light.png` });
    const last = new AirflowBlockObject(page, SALES_KPI_LAST_REFRESH);
    await last.run();
    await expect(last.root).toHaveAttribute('data-status', 'succeeded');
    await expect(last.grid).toContainText('Success');

    const slack = new AirflowBlockObject(page, SLACK_RECOVERED);
    await expect(slack.root).toHaveAttribute('data-mode', 'write');
    await slack.run();
    const post = slack.root.locator('[data-system-preview="confirm"]');
    await expect(post).toBeVisible();
    await expect(slack.grid).toContainText('#data-eng');
    await slack.root.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/slack-preview-light.png` });
    await post.getByRole('button', { name: 'Run it in Slack' }).click();
    await expect(slack.root).toHaveAttribute('data-status', 'succeeded');
    const posted = (await (await page.request.get('/demo/slack/messages')).json()) as { messages: { channel: string; text: string }[] };
    expect(posted.messages.at(-1)).toMatchObject({ channel: '#data-eng', text: expect.stringMatching(/\/ecommerce\/daily-run#recover-confirm$/) });
    expect(consoleErrors).toEqual([]);
  });
});
