import { test, expect } from './fixtures';
import { RunbookPage } from './pages/RunbookPage';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { postgresUnavailable } from '../server/testing/postgres';

const SOURCE_CHECKS = ['source-orders-for-day', 'source-freshness', 'source-orders-without-items'];

test.describe('a dev environment on PostgreSQL', () => {
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    const reason = await postgresUnavailable();
    // Skips only without a PostgreSQL, printing why; under OPSBOOK_REQUIRE_SERVICES=1 (CI) postgresUnavailable throws instead.
    test.skip(reason !== null, reason ?? '');
    // The same command an operator runs (npm run dev:postgres), in its own process.
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/dev-postgres.ts'], { cwd: path.join(__dirname, '..'), stdio: 'inherit' });
  });

  test('runs the ecommerce source checks against PostgreSQL from the page', async ({ page, consoleErrors, shot }) => {
    const runbook = new RunbookPage(page);
    await runbook.open('/ecommerce/daily-run');
    await page.getByLabel('Environment', { exact: true }).selectOption('dev');
    for (const id of SOURCE_CHECKS) {
      const block = runbook.block(`ecomm-data-pipeline/${id}`);
      await block.root.scrollIntoViewIfNeeded();
      await block.run();
      await expect(block.root).toHaveAttribute('data-status', 'succeeded');
      await expect(block.check).toHaveAttribute('data-check', 'passed');
      await expect(block.status).toContainText('Dev');
    }
    await shot('dev-postgres-source-checks');
    // A lakehouse check has no connection in dev: the page says so instead of running it.
    await expect(runbook.block('ecomm-data-pipeline/run-stages').runButton).toBeDisabled();
    expect(consoleErrors).toEqual([]);
  });
});
