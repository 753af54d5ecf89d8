import { test, expect } from './fixtures';
import { signedIn } from './pages/signedIn';
import { RunbookPage } from './pages/RunbookPage';

const KEY = 'getting-started-first-run/log-practice-note';

// Approvals and the audit are state others would see (an inbox with someone else's request in it): own server.
test.use({ server: 'approvals' });

test('an escalation step runs once after another person approves it, and the audit log shows all three', async ({ browser, shot }) => {
  const operator = await signedIn(browser, 'dana.operator', '/getting-started/first-run');
  const block = new RunbookPage(operator.page).block(KEY);
  await expect(block.root).not.toHaveAttribute('data-approval', 'loading');
  await expect(block.root).toHaveAttribute('data-approval', 'none');
  await block.root.getByLabel('Reason').fill('Practising the approval flow for onboarding');
  await block.root.getByRole('button', { name: 'Request approval' }).click();
  await expect(block.root).toHaveAttribute('data-approval', 'pending');

  const approver = await signedIn(browser, 'imani.manager', '/approvals');
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

  const admin = await signedIn(browser, 'alex.admin', '/audit');
  await expect(admin.page.locator('tr[data-kind="approval_request"]').filter({ hasText: 'log-practice-note' }).first()).toBeVisible();
  await expect(admin.page.locator('tr[data-kind="approval_decision"]').filter({ hasText: 'log-practice-note' }).first()).toBeVisible();
  await expect(admin.page.locator('tr[data-kind="run"][data-status="succeeded"]').filter({ hasText: 'log-practice-note' }).first()).toBeVisible();
  await shot('audit');

  for (const p of [operator, approver, admin]) {
    expect(p.errors, 'console errors').toEqual([]);
    await p.page.context().close();
  }
});
