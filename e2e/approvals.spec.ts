import type { Browser, Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { RunbookPage } from './pages/RunbookPage';

const KEY = 'getting-started-first-run/log-practice-note';

// Approvals and the audit are state others would see (an inbox with someone else's request in it): own server.
test.use({ server: 'approvals' });

/** A fresh browser context signed in as a demo user through the navbar's switcher. */
async function signedIn(browser: Browser, baseURL: string | undefined, user: string, path: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(path);
  const switcher = page.getByLabel('Signed in as');
  if ((await switcher.inputValue()) !== user) {
    await Promise.all([page.waitForEvent('load'), switcher.selectOption(user)]);
  }
  await expect(page.getByLabel('Signed in as')).toHaveValue(user);
  return { page, errors };
}

test('an escalation step runs once after another person approves it, and the audit log shows all three', async ({ browser, baseURL, shot }) => {
  const operator = await signedIn(browser, baseURL, 'dana.operator', '/getting-started/first-run');
  const block = new RunbookPage(operator.page).block(KEY);
  await expect(block.root).not.toHaveAttribute('data-approval', 'loading');
  await expect(block.root).toHaveAttribute('data-approval', 'none');
  await block.root.getByLabel('Reason').fill('Practising the approval flow for onboarding');
  await block.root.getByRole('button', { name: 'Request approval' }).click();
  await expect(block.root).toHaveAttribute('data-approval', 'pending');

  const approver = await signedIn(browser, baseURL, 'imani.manager', '/approvals');
  const card = approver.page.locator('article[data-approval-id][data-status="pending"]').filter({ hasText: 'Practising the approval flow' }).first();
  await expect(card).toBeVisible();
  await expect(card).toContainText('insert into training.practice_log');
  await card.getByLabel('Comment').fill('Fine for training');
  await shot('approvals-inbox');
  await card.getByRole('button', { name: 'Approve' }).click();

  // The decision reaches the operator's page without a reload; the run then goes through, once.
  await expect(block.root).toHaveAttribute('data-approval', 'approved');
  await block.run();
  await expect(block.root).toHaveAttribute('data-status', 'succeeded');
  await expect(block.root).toHaveAttribute('data-approval', 'used');
  await shot('approval-used');

  const admin = await signedIn(browser, baseURL, 'alex.admin', '/audit');
  await expect(admin.page.locator('tr[data-kind="approval_request"]').filter({ hasText: 'log-practice-note' }).first()).toBeVisible();
  await expect(admin.page.locator('tr[data-kind="approval_decision"]').filter({ hasText: 'log-practice-note' }).first()).toBeVisible();
  await expect(admin.page.locator('tr[data-kind="run"][data-status="succeeded"]').filter({ hasText: 'log-practice-note' }).first()).toBeVisible();
  await shot('audit');

  for (const p of [operator, approver, admin]) {
    expect(p.errors, 'console errors').toEqual([]);
    await p.page.context().close();
  }
});
