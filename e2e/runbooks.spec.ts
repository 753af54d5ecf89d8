import fs from 'node:fs';
import path from 'node:path';
import { test, expect } from './fixtures';
import { RunbookPage } from './pages/RunbookPage';

/** Every page of the built site, from its sitemap (so new runbooks are covered without editing this). */
function sitePaths(): string[] {
  const sitemap = fs.readFileSync(path.join(__dirname, '..', 'build', 'sitemap.xml'), 'utf8');
  return [...sitemap.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1]!).pathname);
}

test.describe('runbook pages', () => {
  test('basic data validation: a check runs on demo, rows stream in and the check passes', async ({ page, consoleErrors, shot }) => {
    const runbook = new RunbookPage(page);
    await runbook.open('/canonical/basic-data-validation');
    await expect(page.getByRole('heading', { level: 1 })).toContainText(/validation/i);
    const block = runbook.block('canonical-basic-data-validation/ldz-vs-rdv-row-counts');
    await block.run();
    await expect(block.root).toHaveAttribute('data-status', 'succeeded');
    await expect(block.check).toHaveAttribute('data-check', 'passed');
    await expect(block.grid.getByRole('row').nth(1)).toBeVisible();
    await shot('basic-data-validation');
    expect(consoleErrors).toEqual([]);
  });

  for (const p of sitePaths()) {
    test(`${p} renders without console errors`, async ({ page, consoleErrors }) => {
      const response = await page.goto(p);
      expect(response?.status()).toBe(200);
      await expect(page.locator('.main-wrapper')).toBeVisible();
      // Let hydration and the environment fetch finish before judging the console.
      await page.waitForLoadState('networkidle');
      expect(consoleErrors).toEqual([]);
    });
  }
});

test('Run all checks gives the daily health report: every check of basic data validation passes on demo', async ({ page, consoleErrors, shot }) => {
  await page.goto('/canonical/basic-data-validation');
  const panel = page.getByRole('region', { name: 'Runbook checks' });
  await panel.getByRole('button', { name: 'Run all checks' }).click();
  await expect(panel).toHaveAttribute('data-run-all', 'done', { timeout: 300_000 }); // every check of the page, one after another
  const summary = panel.getByRole('status');
  await expect(summary).toHaveAttribute('data-failed', '0');
  await expect(summary).toHaveAttribute('data-errors', '0');
  expect(Number(await summary.getAttribute('data-passed'))).toBeGreaterThan(15);
  await shot('run-all-checks');
  expect(consoleErrors).toEqual([]);
});
