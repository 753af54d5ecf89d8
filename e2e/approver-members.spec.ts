/**
 * The approvals inbox belongs to whoever may decide (issue 12): behind an SSO proxy, a finance lead whose
 * group holds the implementation-manager approver role — and no Opsbook role at all — gets the inbox with
 * the request waiting for her and approves it; an operator who may decide nothing sees only the notice and
 * his own requests. What each sees is what the server answered for them.
 */
import type { Browser, Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { RunbookPage } from './pages/RunbookPage';

test.use({ server: 'approver-members', serverConfig: 'e2e/opsbook.e2e.proxy.yaml' });

const PRACTICE = 'getting-started-first-run/log-practice-note';

/** A browser context signed in by the proxy's headers, collecting its console errors. */
async function asProxyUser(browser: Browser, user: string, groups: string, path: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-user': user, 'x-forwarded-groups': groups, 'x-forwarded-preferred-username': user } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(path);
  return { page, errors };
}

test('a member of an approver role without the approver role gets the inbox and decides; someone who may decide nothing does not', async ({ browser }) => {
  const dana = await asProxyUser(browser, 'dana.operator', 'ops', '/getting-started/first-run');
  const block = new RunbookPage(dana.page).block(PRACTICE);
  await expect(block.root).toHaveAttribute('data-approval', 'none');
  await block.root.getByLabel('Reason').fill('Log the finance sign-off exercise');
  await block.root.getByRole('button', { name: 'Request approval' }).click();
  await expect(block.root).toHaveAttribute('data-approval', 'pending');

  // Otto is an operator like Dana: no inbox of others' requests, only the notice.
  const otto = await asProxyUser(browser, 'otto.operator', 'ops', '/approvals');
  await expect(otto.page.locator('[data-notice="not-approver"]')).toBeVisible();
  await expect(otto.page.locator('article[data-approval-id]').filter({ hasText: 'Log the finance sign-off exercise' })).toHaveCount(0);

  // Fay holds no Opsbook role; her group makes her a member of the step's approver role.
  const fay = await asProxyUser(browser, 'fay.finance', 'finance-leads', '/approvals');
  await expect(fay.page.getByText('request waiting for your decision')).toBeVisible();
  await expect(fay.page.locator('[data-notice="not-approver"]')).toHaveCount(0);
  const card = fay.page.locator('article[data-approval-id][data-status="pending"]').filter({ hasText: 'Log the finance sign-off exercise' });
  await card.getByLabel('Comment').fill('Signed off for the exercise');
  await card.getByRole('button', { name: 'Approve' }).click();
  await expect(block.root).toHaveAttribute('data-approval', 'approved');
  await fay.page.screenshot({ path: 'e2e/artifacts/approver-member-inbox.png' });

  for (const p of [dana, otto, fay]) {
    expect(p.errors, 'console errors').toEqual([]);
    await p.page.context().close();
  }
});
