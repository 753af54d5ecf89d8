/**
 * One operation worked by two people from start to report (issue 12): Oskar starts it from a runbook, runs a
 * check, ticks a step and writes a note while Dana watches it live; he hands it over; Dana resumes it, pages
 * the on-call from a ladder, asks for an approval of an escalation step, which the wrong approver role cannot
 * give (the page says who can) and the right one does; she runs the step, closes the operation and exports it.
 * The report is opened and looked at in the browser, and `npm run operation:verify` checks its signature.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, expect } from './fixtures';
import { signedIn } from './pages/signedIn';
import { RunbookPage } from './pages/RunbookPage';

// An operation, its approvals and the audit are state others would see: own server.
test.use({ server: 'operation-journey' });

const SHOTS = process.env.OPSBOOK_SHOTS_DIR ?? 'e2e/artifacts';
const CHECK = 'getting-started-first-run/hello-warehouse';
/** An escalation step whose approver role is the implementation manager's (Imani), not the on-call's (Oskar). */
const ESCALATION = 'getting-started-first-run/log-practice-note';

/** `npm run operation:verify` on a file, trusting the server's key: its exit code and what it printed. */
function verifyWithCli(file: string, keyId: string): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync('npm', ['run', '--silent', 'operation:verify', '--', file, '--key-id', keyId], { encoding: 'utf8' }) };
  } catch (error) {
    const e = error as { status: number; stdout: string };
    return { code: e.status, out: e.stdout };
  }
}

test('two operators work one operation through a handover, a page, an approval by the right role, and a verified report', async ({ browser }) => {
  fs.mkdirSync(SHOTS, { recursive: true });

  // A — Oskar, on call — starts the operation from the runbook page.
  const oskar = await signedIn(browser, 'oskar.oncall', '/getting-started/first-run');
  const bar = oskar.page.getByRole('complementary', { name: 'Operation' });
  await bar.getByRole('button', { name: 'Start an operation' }).click();
  await bar.getByLabel('Title').fill('Warehouse smoke test failed after the night load');
  await bar.getByLabel('Severity').selectOption('sev2');
  await bar.getByRole('button', { name: 'Start operation' }).click();
  await expect(bar).toHaveAttribute('data-status', 'open');
  const id = (await bar.getAttribute('data-operation'))!;

  // B — Dana — opens it and watches its timeline live.
  const dana = await signedIn(browser, 'dana.operator', `/operations?id=${id}`);
  const view = dana.page.locator(`article[data-operation="${id}"]`);
  await expect(view.locator('li[data-kind="started"]')).toBeVisible();

  // Oskar runs the check, ticks the step and writes a note; each reaches Dana's page without a reload.
  const check = new RunbookPage(oskar.page).block(CHECK);
  await check.run();
  await expect(check.root).toHaveAttribute('data-status', 'succeeded');
  await expect(view.locator('li[data-kind="run"]')).toContainText('hello-warehouse: succeeded');
  await oskar.page.locator('section[data-step="run-a-query"]').getByLabel('Done').check();
  await expect(view.locator('li[data-kind="step"]')).toContainText('Run a query and read the result');
  await bar.getByLabel('Note for the operation').fill('Smoke test passes again after the rerun; the practice log still needs its entry.');
  await bar.getByRole('button', { name: 'Add note' }).click();
  await expect(view.locator('li[data-kind="note"]')).toContainText('the practice log still needs its entry');

  // Oskar hands it over to Dana with a note; Dana resumes it.
  await oskar.page.goto(`/operations?id=${id}`);
  const oskarView = oskar.page.locator(`article[data-operation="${id}"]`);
  await oskarView.getByRole('button', { name: 'Hand over…' }).click();
  await oskarView.getByLabel('Hand over to').fill('dana.operator');
  await oskarView.getByLabel(/Handover note/).fill('Check is green. Write the practice-log entry (needs the implementation manager) and close.');
  await oskarView.getByRole('button', { name: 'Hand over', exact: true }).click();
  await expect(view).toHaveAttribute('data-status', 'handed-over');
  await expect(view.locator('li[data-kind="handover"]')).toContainText('needs the implementation manager');
  await view.getByRole('button', { name: 'Resume it' }).click();
  await expect(view).toHaveAttribute('data-status', 'open');
  await expect(view.getByTestId('operation-owner')).toHaveText('Dana Operator');
  await expect(oskarView.getByTestId('operation-owner')).toHaveText('Dana Operator');

  // Dana pages the on-call from the Profit ladder while working in it: the page and the receiver's answer
  // (here: nothing listens on the e2e paging channel, so it is not delivered) land in the timeline.
  await dana.page.goto('/investor/profit-aggregate#7-escalation');
  const ladder = dana.page.locator('section[data-ladder="profit"]');
  await ladder.getByTestId('page-0').click();
  await ladder.getByLabel(/What is it about/).fill('Profit numbers may be late while the warehouse is checked');
  await ladder.getByRole('button', { name: /^Send page to / }).click();
  await expect(ladder.getByTestId('page-sent-0')).toContainText('via oncall-pager');

  // Dana asks for the escalation step's approval from the runbook, inside the operation.
  await dana.page.goto('/getting-started/first-run');
  const step = new RunbookPage(dana.page).block(ESCALATION);
  await expect(step.root).toHaveAttribute('data-approval', 'none');
  await step.root.getByLabel('Reason').fill('Record the smoke-test rerun in the practice log');
  await step.root.getByRole('button', { name: 'Request approval' }).click();
  await expect(step.root).toHaveAttribute('data-approval', 'pending');
  await expect(step.root.getByTestId('approval-deciders')).toContainText('Imani Manager');

  // Oskar holds the approver role but belongs to the on-call role, not this one: the inbox says who decides,
  // offers him no buttons, and the server refuses him.
  await oskar.page.goto('/approvals');
  const wrongCard = oskar.page.locator('article[data-approval-id][data-status="pending"]').filter({ hasText: 'Record the smoke-test rerun' }).first();
  await expect(wrongCard.getByTestId('not-decidable')).toContainText('to decide: Imani Manager');
  await expect(wrongCard.getByRole('button', { name: 'Approve' })).toHaveCount(0);
  const approvalId = (await wrongCard.getAttribute('data-approval-id'))!;
  const refused = await oskar.page.evaluate(async (approval) => {
    const csrf = decodeURIComponent(document.cookie.split('; ').find((c) => c.startsWith('opsbook_csrf='))?.slice('opsbook_csrf='.length) ?? '');
    const res = await fetch(`/api/approvals/${approval}/decision`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ decision: 'approve', comment: 'Looks fine to me' }),
    });
    return { status: res.status, body: (await res.json()) as { error: { message: string } } };
  }, approvalId);
  expect(refused.status).toBe(403);
  expect(refused.body.error.message).toMatch(/you are not a member/);

  // Imani, a member of the step's role, approves; Dana's block learns it live, and she runs the step.
  const imani = await signedIn(browser, 'imani.manager', `/approvals?id=${approvalId}`);
  const card = imani.page.locator(`article[data-approval-id="${approvalId}"]`);
  await card.getByLabel('Comment').fill('Fine: one practice-log row');
  await card.getByRole('button', { name: 'Approve' }).click();
  await expect(step.root).toHaveAttribute('data-approval', 'approved');
  await step.run();
  await expect(step.root).toHaveAttribute('data-status', 'succeeded');

  // Everything is in the one timeline, and Dana closes it.
  await dana.page.goto(`/operations?id=${id}`);
  const approvals = view.locator('li[data-kind="approval"]');
  await expect(approvals.filter({ hasText: /asked Implementation Manager.* to approve/ })).toHaveCount(1);
  await expect(approvals.filter({ hasText: 'Imani Manager approved' })).toHaveCount(1);
  await expect(view.locator('li[data-kind="run"]').filter({ hasText: 'log-practice-note: succeeded' })).toHaveCount(1);
  await expect(view.locator('li[data-kind="page"]').filter({ hasText: 'Dana Operator paged' })).toHaveCount(1);
  await expect(view.locator('li[data-kind="page"]').filter({ hasText: 'could not be delivered via oncall-pager' })).toHaveCount(1);
  await view.getByRole('button', { name: 'Close…' }).click();
  await view.getByLabel(/Closing note/).fill('Smoke test green; practice log written with approval.');
  await view.getByRole('button', { name: 'Close the operation' }).click();
  await expect(view).toHaveAttribute('data-status', 'closed');
  await oskar.page.goto(`/operations?id=${id}`);
  await expect(oskarView).toHaveAttribute('data-status', 'closed');
  await dana.page.screenshot({ path: `${SHOTS}/journey-operation.png`, fullPage: true });
  await dana.page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
  await dana.page.screenshot({ path: `${SHOTS}/journey-operation-dark.png`, fullPage: true });
  await dana.page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
  await dana.page.setViewportSize({ width: 420, height: 900 });
  await dana.page.screenshot({ path: `${SHOTS}/journey-operation-420.png`, fullPage: true });
  await dana.page.setViewportSize({ width: 1280, height: 900 });

  // The HTML report opens in the browser and reads as the operation went.
  const [report] = await Promise.all([dana.page.waitForEvent('popup'), view.getByRole('link', { name: 'HTML report' }).click()]);
  await report.waitForLoadState();
  await expect(report.getByRole('heading', { level: 1 })).toHaveText('Warehouse smoke test failed after the night load');
  await expect(report.locator('ol.timeline > li')).toHaveCount(await view.locator('li[data-seq]').count());
  for (const line of ['handed the operation over to Dana Operator', 'Imani Manager approved', 'log-practice-note: succeeded', 'Dana Operator paged', 'Dana Operator closed the operation']) {
    await expect(report.locator('body')).toContainText(line);
  }
  await report.screenshot({ path: `${SHOTS}/journey-report-light.png`, fullPage: true });
  await report.emulateMedia({ colorScheme: 'dark' });
  await report.screenshot({ path: `${SHOTS}/journey-report-dark.png`, fullPage: true });
  await report.emulateMedia({ colorScheme: 'light' });
  await report.setViewportSize({ width: 420, height: 900 });
  await report.screenshot({ path: `${SHOTS}/journey-report-420.png`, fullPage: true });

  // The same file, saved, verifies with the command a reviewer runs; an edited copy does not.
  const html = await (await dana.page.request.get(`/api/operations/${id}/export?format=html`)).text();
  const { keyId } = (await (await dana.page.request.get('/api/operations/signing-key')).json()) as { keyId: string };
  const saved = path.resolve(SHOTS, `${id}.html`);
  fs.writeFileSync(saved, html);
  const verified = verifyWithCli(saved, keyId);
  expect(verified.out).toContain('VERIFIED');
  expect(verified.code).toBe(0);
  const edited = path.resolve(SHOTS, `${id}-edited.html`);
  fs.writeFileSync(edited, html.replace('practice log written with approval', 'practice log written without approval'));
  const tampered = verifyWithCli(edited, keyId);
  expect(tampered.out).toContain('NOT VERIFIED');
  expect(tampered.code).not.toBe(0);

  // The audit log has the note as its own record, linked to the operation.
  const admin = await signedIn(browser, 'alex.admin', '/audit?kind=operation');
  const noteRow = admin.page.locator('tr[data-kind="operation"]').filter({ hasText: 'the practice log still needs its entry' }).first();
  await expect(noteRow.locator(`a[data-operation="${id}"]`)).toBeVisible();

  // The one console error is the browser reporting Oskar's refused decision, and nothing else.
  expect(oskar.errors).toEqual(['Failed to load resource: the server responded with a status of 403 (Forbidden)']);
  for (const p of [dana, imani, admin]) expect(p.errors, 'console errors').toEqual([]);
  for (const p of [oskar, dana, imani, admin]) await p.page.context().close();
});
