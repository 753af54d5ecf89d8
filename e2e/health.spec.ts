/**
 * The Health page and deep links (issue 11): every check of every runbook on demo, "Run every check" with
 * progress, statuses in words, sparklines of the recorded history, and a row's link that opens its runbook
 * at the check with the environment and business date filled in and says so. Screenshots of the Health
 * page and of a deep-linked runbook, light, dark and 420 px wide, go to e2e/artifacts.
 */
import type { Locator, Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { RunbookPage } from './pages/RunbookPage';

// Running every check records a result per check in the history: a server of its own.
test.use({ server: 'health' });

const CHECK = 'canonical-basic-data-validation/ldz-vs-rdv-row-counts';
const STATUS_WORDS = /^(✓OK|⚠Warning|✗Error|✗Could not run)$/;

async function shoot(page: Page, target: Locator | null, name: string): Promise<void> {
  const snap = (suffix: string) => (target ? target.screenshot({ path: `e2e/artifacts/${name}-${suffix}.png` }) : page.screenshot({ path: `e2e/artifacts/${name}-${suffix}.png` }));
  await snap('light');
  await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
  await snap('dark');
  await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
  const size = page.viewportSize();
  await page.setViewportSize({ width: 420, height: 900 });
  if (target) await target.scrollIntoViewIfNeeded();
  await snap('420');
  if (size) await page.setViewportSize(size);
}

test('Health: run every check on demo, read the statuses and history, and follow a row into its runbook ready to run', async ({ page, consoleErrors }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Health', exact: true }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Health' })).toBeVisible();
  const rows = page.locator('tr[data-check-key]');
  await expect(rows.first()).toBeVisible();
  const total = await rows.count();
  expect(total).toBeGreaterThan(100); // every check of every runbook, not one page's

  await page.getByRole('button', { name: 'Run every check' }).click();
  const progress = page.getByRole('status').filter({ hasText: /of \d+ checks/ });
  await expect(progress).toContainText(`of ${total} checks`);
  await expect(page.locator('[data-phase="done"]')).toBeVisible({ timeout: 600_000 });
  await expect(progress).toHaveAttribute('data-done', String(total));
  await expect(progress).toContainText(`Ran ${total} of ${total} checks`);

  // Every row has an answer in words, none is left queued or running.
  await expect(page.locator('tr[data-status="queued"], tr[data-status="running"], tr[data-status="not-run"]')).toHaveCount(0);
  const words = await page.locator('tr[data-check-key] td:first-child').allInnerTexts();
  for (const w of words) expect(w.replace(/\s+/g, '')).toMatch(STATUS_WORDS);
  const row = page.locator(`tr[data-check-key="${CHECK}"]`);
  await expect(row).toHaveAttribute('data-status', 'ok');
  // The page asked the server again: the row shows the recorded run, by the Health page, and its history.
  await expect(row).toContainText('Health page');
  await expect(row.locator('svg[data-sparkline]')).toBeVisible();
  // A check that measured nothing (it could not run) has no line to draw; the others do.
  expect(await page.locator('svg[data-sparkline]').count()).toBeGreaterThan(total / 2);

  await page.getByLabel('Only checks that are not OK').check();
  await expect(page.locator('tr[data-status="ok"]')).toHaveCount(0);
  await page.getByLabel('Only checks that are not OK').uncheck();
  await page.locator('h1').scrollIntoViewIfNeeded();
  await shoot(page, null, 'health-page');

  // The row's link opens the runbook at the check, on demo, with the business date from the link.
  const businessDate = (await row.locator('[data-business-date]').getAttribute('data-business-date'))!;
  expect(businessDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  await row.getByRole('link').first().click();
  await expect(page).toHaveURL(new RegExp(`/canonical/basic-data-validation\\?env=demo&business_date=${businessDate}#`));
  const block = new RunbookPage(page).block(CHECK);
  await expect(block.root).toHaveAttribute('data-linked', 'true');
  await expect(block.root).toBeInViewport();
  await expect(block.root.getByLabel('business_date')).toHaveValue(businessDate);
  await expect(block.root.locator('[data-from-link]')).toHaveText('from link');
  const notice = page.getByRole('complementary', { name: 'Values from the link' });
  await expect(notice).toContainText('Demo');
  await expect(notice.locator('[data-link-param="business_date"]')).toHaveAttribute('data-link-applied', 'true');
  await block.run();
  await expect(block.root).toHaveAttribute('data-status', 'succeeded');
  await expect(block.check).toHaveAttribute('data-verdict', 'ok');
  await shoot(page, block.root, 'health-deep-linked-block');
  await notice.scrollIntoViewIfNeeded();
  await shoot(page, notice, 'health-deep-link-notice');

  // For another business date a row shows its last figure quieter, with that figure's date under it: the
  // date fits its column instead of running over the threshold beside it.
  await page.goto('/health');
  await expect(rows.first()).toBeVisible();
  await page.getByRole('button', { name: 'today', exact: true }).click();
  await expect(page.locator('tr[data-status="stale"] [class*="valueFor"]').first()).toBeVisible();
  const overflowing = await page.locator('tr[data-check-key] td').evaluateAll((cells) =>
    cells.filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => `${td.closest('tr')?.getAttribute('data-check-key')}: ${(td as HTMLElement).innerText.replace(/\s+/g, ' ')}`),
  );
  expect(overflowing).toEqual([]);
  expect(consoleErrors).toEqual([]);
});

test("an alert's link lands on its check and stays on it while the diagram above renders", async ({ page, consoleErrors }) => {
  // The link an alert carries (server/alerts/describe.ts deepLink): the profit runbook opens with a Mermaid
  // diagram far above the check, drawn after the page has scrolled to the check.
  await page.goto('/investor/profit-aggregate?env=demo&report_date=2026-11-30#snippet-profit-deviation');
  const block = new RunbookPage(page).block('investor-profit-aggregate/profit-deviation');
  await expect(block.root).toHaveAttribute('data-linked', 'true');
  // What renders after the page scrolled to the check — the notice of the link's values, the diagram — is above it.
  await expect(page.getByRole('complementary', { name: 'Values from the link' })).toBeVisible();
  await expect(page.locator('svg[id^="mermaid-svg"]').first()).toBeVisible();
  // Landed: the check starts at the top of the view, under the navbar, not pushed down by what rendered above.
  await expect.poll(() => block.root.evaluate((el) => Math.round(el.getBoundingClientRect().top))).toBeLessThan(120);
  await expect(block.root).toBeInViewport();
  await expect(block.root.getByLabel('report_date')).toHaveValue('2026-11-30');
  await shoot(page, block.root, 'alert-link-landing');
  expect(consoleErrors).toEqual([]);
});

test('a deep link says which values it ignored, and a block copies a link that opens it with its current values', async ({ page, context, consoleErrors }) => {
  await page.goto(`/canonical/basic-data-validation?env=nowhere&business_date=2026-02-30&no_such_param=1#${CHECK}`);
  const notice = page.getByRole('complementary', { name: 'Values from the link' });
  await expect(notice).toContainText('nowhere');
  await expect(notice).toContainText('ignored: it is not one you can choose here');
  await expect(notice.locator('[data-link-param="business_date"]')).toContainText('not a date');
  await expect(notice.locator('[data-link-param="no_such_param"]')).toContainText('not a parameter on this page');
  const block = new RunbookPage(page).block(CHECK);
  // A fragment that is the manifest key finds the block too (alerts may carry either).
  await expect(block.root).toHaveAttribute('data-linked', 'true');
  await expect(block.root.locator('[data-from-link]')).toHaveCount(0);

  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await block.root.getByLabel('business_date').fill('2026-11-27');
  await block.root.getByRole('button', { name: 'Copy link' }).click();
  await expect(block.root.getByText('Link copied')).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const url = new URL(copied);
  expect(url.pathname).toBe('/canonical/basic-data-validation');
  expect(url.searchParams.get('env')).toBe('demo');
  expect(url.searchParams.get('business_date')).toBe('2026-11-27');
  await page.goto(copied);
  await expect(block.root).toHaveAttribute('data-linked', 'true');
  await expect(block.root.getByLabel('business_date')).toHaveValue('2026-11-27');
  expect(consoleErrors).toEqual([]);
});
