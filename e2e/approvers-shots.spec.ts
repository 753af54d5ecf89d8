import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { signedIn } from './pages/signedIn';
import { RunbookPage } from './pages/RunbookPage';

/**
 * Screenshots for review (light, dark, 420 px): the approvals inbox with who can decide and a request's steps,
 * and the Profit ladder with its on-call levels and the Page action. Written to e2e/artifacts/approvers-*.png.
 */
test.use({ server: 'approvers-shots' });

async function three(page: Page, name: string, target: () => Promise<void>): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate((t) => document.documentElement.setAttribute('data-theme', t), theme);
    await page.setViewportSize({ width: 1280, height: 900 });
    await target();
    await page.screenshot({ path: `e2e/artifacts/approvers-${name}-${theme}.png` });
  }
  await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
  await page.setViewportSize({ width: 420, height: 900 });
  await target();
  await page.screenshot({ path: `e2e/artifacts/approvers-${name}-420.png`, fullPage: false });
}

test('screens: inbox and ladder', async ({ browser }) => {
  const operator = await signedIn(browser, 'dana.operator', '/retail/failure-handling');
  const block = new RunbookPage(operator.page).block('retail-failure-handling/delete-corrupted-file');
  await expect(block.root).toHaveAttribute('data-approval', 'none');
  await block.root.getByLabel('source_file').fill('orders_2026-11-30_corrupt.parquet');
  await block.root.getByLabel('Reason').fill('The corrupted file blocks the nightly load');
  await block.root.getByRole('button', { name: 'Request approval' }).click();
  await expect(block.root.getByTestId('approval-steps')).toContainText('Ladder level 1 engaged');
  await three(operator.page, 'requester', async () => block.root.getByTestId('approval-routing').scrollIntoViewIfNeeded());

  const manager = await signedIn(browser, 'imani.manager', '/approvals');
  const card = manager.page.locator('article[data-approval-id][data-status="pending"]').first();
  await expect(card.getByTestId('not-decidable')).toBeVisible();
  await three(manager.page, 'inbox-wrong-role', async () => card.getByTestId('approval-routing').scrollIntoViewIfNeeded());

  const oncall = await signedIn(browser, 'oskar.oncall', '/approvals');
  const mine = oncall.page.locator('article[data-approval-id][data-status="pending"]').first();
  await expect(mine.getByRole('button', { name: 'Approve' })).toBeVisible();
  await three(oncall.page, 'inbox', async () => mine.scrollIntoViewIfNeeded());

  await operator.page.goto('/investor/profit-aggregate#7-escalation');
  const ladder = operator.page.locator('section[data-ladder="profit"]');
  await expect(ladder.getByTestId('ladder-because-0')).toContainText('on call in Investor pipelines');
  await ladder.getByTestId('page-0').click();
  await ladder.getByLabel(/What is it about/).fill('Profit for yesterday is missing; the 08:00 SLA is at risk');
  await three(operator.page, 'ladder', async () => ladder.scrollIntoViewIfNeeded());
  for (const p of [operator, manager, oncall]) {
    expect(p.errors, 'console errors').toEqual([]);
    await p.page.context().close();
  }
});
