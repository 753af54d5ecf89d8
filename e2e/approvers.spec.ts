import { test, expect } from './fixtures';
import { signedIn } from './pages/signedIn';
import { RunbookPage } from './pages/RunbookPage';

/** A data-engineering-on-call step: the on-call engineer (Oskar) decides it, the implementation manager (Imani) may not. */
const DELETE_FILE = 'retail-failure-handling/delete-corrupted-file';

// Requests, decisions and pages are state others would see: own server.
test.use({ server: 'approvers' });

test('only the step’s approver role decides: the wrong role is refused, the right one approves, the requester sees who and each step', async ({ browser }) => {
  const operator = await signedIn(browser, 'dana.operator', '/retail/failure-handling');
  const block = new RunbookPage(operator.page).block(DELETE_FILE);
  await expect(block.root).toHaveAttribute('data-approval', 'none');
  await block.root.getByLabel('source_file').fill('orders_2026-11-30_corrupt.parquet');
  await block.root.getByLabel('Reason').fill('The corrupted file blocks the nightly load');
  await block.root.getByRole('button', { name: 'Request approval' }).click();
  await expect(block.root).toHaveAttribute('data-approval', 'pending');
  // The requester sees who can decide and what has happened so far: sent to the role, the ladder's first level engaged.
  await expect(block.root.getByTestId('approval-deciders')).toContainText('Who can decide (Data engineering on-call): Oskar On-call');
  const steps = block.root.getByTestId('approval-steps');
  await expect(steps).toContainText('Sent to Data engineering on-call');
  await expect(steps).toContainText('Ladder level 1 engaged — Data engineering on-call');
  await block.root.scrollIntoViewIfNeeded();
  await block.root.screenshot({ path: 'e2e/artifacts/approvers-requester.png' });

  // The implementation manager holds the approver role, but not this step's: no buttons, and the server refuses.
  const manager = await signedIn(browser, 'imani.manager', '/approvals');
  const managerCard = manager.page.locator('article[data-approval-id][data-status="pending"]').filter({ hasText: 'The corrupted file blocks' }).first();
  await expect(managerCard.getByTestId('not-decidable')).toContainText('Waiting for Data engineering on-call to decide: Oskar On-call');
  await expect(managerCard.getByRole('button', { name: 'Approve' })).toHaveCount(0);
  const id = await managerCard.getAttribute('data-approval-id');
  const refused = await manager.page.evaluate(async (approval) => {
    const csrf = decodeURIComponent(document.cookie.split('; ').find((c) => c.startsWith('opsbook_csrf='))?.slice('opsbook_csrf='.length) ?? '');
    const res = await fetch(`/api/approvals/${approval}/decision`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ decision: 'approve', comment: 'I think it is fine' }),
    });
    return { status: res.status, body: (await res.json()) as { error: { message: string } } };
  }, id);
  expect(refused.status).toBe(403);
  expect(refused.body.error.message).toContain('Only Data engineering on-call decides this request');

  // The on-call engineer opens the link a notification carries, and approves.
  const oncall = await signedIn(browser, 'oskar.oncall', `/approvals?id=${id}`);
  const card = oncall.page.locator(`article[data-approval-id="${id}"]`);
  await expect(card).toHaveAttribute('data-linked', 'true');
  await card.getByLabel('Comment').fill('Checked: only the corrupted file');
  await card.getByRole('button', { name: 'Approve' }).click();
  await expect(block.root).toHaveAttribute('data-approval', 'approved');

  // Both attempts are in the audit log: the refusal with its reason, the approval.
  const admin = await signedIn(browser, 'alex.admin', '/audit?kind=approval_decision');
  await expect(admin.page.locator('tr[data-kind="approval_decision"][data-status="rejected"]').filter({ hasText: 'imani.manager' }).first()).toBeVisible();
  await expect(admin.page.locator('tr[data-kind="approval_decision"][data-status="approved"]').filter({ hasText: 'oskar.oncall' }).first()).toBeVisible();
  // The one console error is the browser reporting the refused decision above, and nothing else.
  expect(manager.errors).toEqual(['Failed to load resource: the server responded with a status of 403 (Forbidden)']);
  for (const p of [operator, oncall, admin]) expect(p.errors, 'console errors').toEqual([]);
  for (const p of [operator, manager, oncall, admin]) await p.page.context().close();
});

test('the Profit ladder names whoever the rotation has on call, with contacts, and pages them', async ({ browser }) => {
  const overview = await signedIn(browser, 'dana.operator', '/investor/overview');
  const onCallNow = (await overview.page.getByTestId('oncall-primary').textContent())?.trim();
  const backupNow = (await overview.page.getByTestId('oncall-backup').textContent())?.trim();
  expect(onCallNow).toMatch(/^Engineer [A-D]$/);

  const page = overview.page;
  await page.goto('/investor/profit-aggregate#7-escalation');
  const ladder = page.locator('section[data-ladder="profit"]');
  await expect(ladder.getByTestId('ladder-who-0')).toHaveText(` · ${onCallNow}`);
  await expect(ladder.getByTestId('ladder-who-1')).toHaveText(` · ${backupNow}`);
  await expect(ladder.getByTestId('ladder-because-0')).toContainText('on call in Investor pipelines');
  await expect(ladder.getByTestId('ladder-contact-0')).toContainText(`Slack @engineer-${onCallNow!.slice(-1).toLowerCase()}`);
  await ladder.getByTestId('page-0').click();
  await ladder.getByLabel(/What is it about/).fill('Profit for yesterday is missing; the 08:00 SLA is at risk');
  await ladder.getByRole('button', { name: `Send page to ${onCallNow}` }).click();
  await expect(ladder.getByTestId('page-sent-0')).toHaveText(`Paged ${onCallNow} via oncall-pager.`);

  const admin = await signedIn(browser, 'alex.admin', '/audit?kind=page');
  await expect(admin.page.locator('tr[data-kind="page"][data-status="requested"]').filter({ hasText: 'dana.operator' }).first()).toBeVisible();
  for (const p of [overview, admin]) {
    expect(p.errors, 'console errors').toEqual([]);
    await p.page.context().close();
  }
});
