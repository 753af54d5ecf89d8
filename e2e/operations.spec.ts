import fs from 'node:fs';
import { test, expect } from './fixtures';
import { signedIn } from './pages/signedIn';
import { RunbookPage } from './pages/RunbookPage';

// Operations, their timelines and the audit are state others would see: own server.
test.use({ server: 'operations' });

const SHOTS = process.env.OPSBOOK_SHOTS_DIR ?? 'e2e/artifacts';

test('two operators work one operation: live timeline, a handover, a resume, and the signed report opened and verified', async ({ browser }) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  // Dana starts an operation from the runbook page.
  const dana = await signedIn(browser, 'dana.operator', '/getting-started/first-run');
  const bar = dana.page.getByRole('complementary', { name: 'Operation' });
  await bar.getByRole('button', { name: 'Start an operation' }).click();
  await bar.getByLabel('Title').fill('Night checks: LDZ late for Marketing');
  await bar.getByLabel('Severity').selectOption('sev2');
  await bar.getByRole('button', { name: 'Start operation' }).click();
  await expect(bar).toHaveAttribute('data-status', 'open');
  const id = (await bar.getAttribute('data-operation'))!;
  expect(id).toMatch(/^op-/);

  // Oskar finds it among the open operations and watches its timeline.
  const oskar = await signedIn(browser, 'oskar.oncall', '/operations?status=active');
  await oskar.page.locator(`tr[data-operation="${id}"]`).getByRole('link').click();
  const view = oskar.page.locator(`article[data-operation="${id}"]`);
  await expect(view.locator('li[data-kind="started"]')).toBeVisible();

  // What Dana does in her tab reaches Oskar's page without a reload: a run, a ticked step, a note.
  const block = new RunbookPage(dana.page).block('getting-started-first-run/hello-warehouse');
  await block.run();
  await expect(block.root).toHaveAttribute('data-status', 'succeeded');
  await expect(view.locator('li[data-kind="run"]')).toContainText('hello-warehouse: succeeded');
  await expect(view.locator('li[data-kind="run"]')).toContainText('rows: 10');
  await dana.page.locator('section[data-step="run-a-query"]').getByLabel('Done').check();
  await expect(view.locator('li[data-kind="step"]')).toContainText('Run a query and read the result');
  await bar.getByLabel('Note for the operation').fill('LDZ file for Marketing arrived 40 min late; rows look complete.');
  await bar.getByRole('button', { name: 'Add note' }).click();
  await expect(view.locator('li[data-kind="note"]')).toContainText('arrived 40 min late');
  await dana.page.screenshot({ path: `${SHOTS}/runbook-operation-bar.png` });

  // Dana hands it over to Oskar with a note; Oskar sees it handed to him and resumes it.
  await dana.page.goto(`/operations?id=${id}`);
  const danaView = dana.page.locator(`article[data-operation="${id}"]`);
  await danaView.getByRole('button', { name: 'Hand over…' }).click();
  await danaView.getByLabel('Hand over to').fill('oskar.oncall');
  await danaView.getByLabel(/Handover note/).fill('Checks green except Marketing LDZ; rerun ldz-rows after 06:00 and close if it passes.');
  await danaView.getByRole('button', { name: 'Hand over', exact: true }).click();
  await expect(danaView).toHaveAttribute('data-status', 'handed-over');
  await expect(view).toHaveAttribute('data-status', 'handed-over');
  await expect(view.locator('li[data-kind="handover"]')).toContainText('rerun ldz-rows after 06:00');
  await view.getByRole('button', { name: 'Resume it' }).click();
  await expect(view).toHaveAttribute('data-status', 'open');
  await expect(view.getByTestId('operation-owner')).toHaveText('Oskar On-call');
  // …and Dana's page follows: she no longer owns it, so she cannot hand it over again.
  await expect(danaView.getByTestId('operation-owner')).toHaveText('Oskar On-call');
  await expect(danaView.getByRole('button', { name: 'Hand over…' })).toHaveCount(0);
  await oskar.page.screenshot({ path: `${SHOTS}/operation-page.png`, fullPage: true });

  // The report opens in its own tab, self-contained, signed; the Operations page verifies it.
  const [report] = await Promise.all([oskar.page.waitForEvent('popup'), view.getByRole('link', { name: 'HTML report' }).click()]);
  await report.waitForLoadState();
  await expect(report.getByRole('heading', { level: 1 })).toHaveText('Night checks: LDZ late for Marketing');
  await expect(report.locator('ol.timeline > li')).toHaveCount(await view.locator('li[data-seq]').count());
  await expect(report.locator('body')).toContainText('handed the operation over to Oskar On-call');
  await report.screenshot({ path: `${SHOTS}/report-light.png`, fullPage: true });
  await report.emulateMedia({ colorScheme: 'dark' });
  await report.screenshot({ path: `${SHOTS}/report-dark.png`, fullPage: true });
  await report.setViewportSize({ width: 420, height: 900 });
  await report.emulateMedia({ colorScheme: 'light' });
  await report.screenshot({ path: `${SHOTS}/report-420.png`, fullPage: true });
  const html = await (await oskar.page.request.get(`/api/operations/${id}/export?format=html`)).text();

  await oskar.page.goto('/operations');
  const verify = oskar.page.locator('details').filter({ hasText: 'Verify a report' });
  await verify.locator('summary').click();
  await verify.getByLabel('Report to verify').setInputFiles({ name: 'report.html', mimeType: 'text/html', buffer: Buffer.from(html) });
  await expect(verify.getByRole('status')).toHaveAttribute('data-valid', 'true');
  await verify.getByLabel('Report to verify').setInputFiles({ name: 'edited.html', mimeType: 'text/html', buffer: Buffer.from(html.replace('40 min late', '4 min late')) });
  await expect(verify.getByRole('status')).toHaveAttribute('data-valid', 'false');

  // The audit page links the run to its operation.
  const admin = await signedIn(browser, 'alex.admin', '/audit');
  await expect(admin.page.locator(`a[data-operation="${id}"]`).first()).toBeVisible();

  await oskar.page.goto(`/operations?id=${id}`);
  await oskar.page.setViewportSize({ width: 420, height: 900 });
  await expect(oskar.page.locator(`article[data-operation="${id}"]`)).toBeVisible();
  await oskar.page.screenshot({ path: `${SHOTS}/operation-page-420.png`, fullPage: true });
  await oskar.page.setViewportSize({ width: 1280, height: 900 });
  await oskar.page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
  await oskar.page.screenshot({ path: `${SHOTS}/operation-page-dark.png`, fullPage: true });

  for (const p of [dana, oskar, admin]) {
    expect(p.errors, 'console errors').toEqual([]);
    await p.page.context().close();
  }
});

test('a link from an alert opens the start form filled in; the operator confirms, and runs from the tab are recorded with the date it named', async ({ browser }) => {
  const dana = await signedIn(browser, 'dana.operator', '/getting-started/first-run?start-operation=1&title=Alert%3A%20LDZ%20late&severity=sev1&days=3');
  const bar = dana.page.getByRole('complementary', { name: 'Operation' });
  const form = bar.getByRole('form', { name: 'Start an operation' });
  await expect(form.getByLabel('Title')).toHaveValue('Alert: LDZ late');
  await expect(form.getByLabel('Severity')).toHaveValue('sev1');
  await expect(form).toContainText('days=3');
  await form.getByRole('button', { name: 'Start operation' }).click();
  await expect(bar).toHaveAttribute('data-status', 'open');
  const id = (await bar.getAttribute('data-operation'))!;
  const block = new RunbookPage(dana.page).block('getting-started-first-run/days-back');
  await block.run();
  await expect(block.root).toHaveAttribute('data-status', 'succeeded');
  const detail = await (await dana.page.request.get(`/api/operations/${id}`)).json();
  expect(detail.operation).toMatchObject({ title: 'Alert: LDZ late', severity: 'sev1', origin: 'link', params: { days: '3' } });
  expect(detail.events.map((e: { data: { kind: string } }) => e.data.kind)).toEqual(['started', 'run']);
  expect(detail.events[1].data.run).toMatchObject({ snippet: 'getting-started-first-run/days-back', params: { days: 3 } });
  expect(dana.errors, 'console errors').toEqual([]);
  await dana.page.context().close();
});
