/**
 * Writes tell the truth, and triggers ask first: a write that matched nothing is an amber warning with a
 * sentence, not a plain success; an Airflow trigger shows the run it would start and starts it only once the
 * operator confirms. Screenshots of both blocks, light, dark and 420 px wide, go to e2e/artifacts.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { AirflowBlockObject } from './pages/AirflowBlock';
import { signedIn } from './pages/signedIn';
import { RunbookPage, type RunnableBlockObject } from './pages/RunbookPage';

// Approvals, writes and DAG runs: a server of its own.
test.use({ server: 'truth' });

const DELETE_FILE = 'retail-failure-handling/delete-corrupted-file';

// Three signed-in pages and an approval on a 2-core machine shared with other work: a guard, not a budget.
test.describe.configure({ timeout: 180_000 });
const TRIGGER = 'canonical-setup-dags/trigger-variable-sync';

/** The block in light, dark, and on a 420 px wide screen. */
async function shoot(page: Page, block: RunnableBlockObject, name: string): Promise<void> {
  await block.root.scrollIntoViewIfNeeded();
  await block.root.screenshot({ path: `e2e/artifacts/${name}-light.png` });
  await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
  await block.root.screenshot({ path: `e2e/artifacts/${name}-dark.png` });
  await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
  const size = page.viewportSize();
  await page.setViewportSize({ width: 420, height: 900 });
  await block.root.scrollIntoViewIfNeeded();
  await block.root.screenshot({ path: `e2e/artifacts/${name}-420.png` });
  if (size) await page.setViewportSize(size);
}

test('a write that matched nothing succeeds as an amber warning that says to check the parameters', async ({ browser }) => {
  const operator = await signedIn(browser, 'dana.operator', '/retail/failure-handling');
  const block = new RunbookPage(operator.page).block(DELETE_FILE);
  await expect(block.root).toHaveAttribute('data-approval', 'none');
  await block.root.getByLabel('source_file').fill('orders_no_such_file.parquet');
  await block.root.getByLabel('Reason').fill('Drill: the file name is wrong on purpose');
  await block.root.getByRole('button', { name: 'Request approval' }).click();
  await expect(block.root).toHaveAttribute('data-approval', 'pending');

  // A data-engineering-on-call step: the engineer on call decides it.
  const approver = await signedIn(browser, 'oskar.oncall', '/approvals');
  const card = approver.page.locator('article[data-approval-id][data-status="pending"]').filter({ hasText: 'Drill: the file name is wrong' }).first();
  await card.getByLabel('Comment').fill('Go ahead');
  await card.getByRole('button', { name: 'Approve' }).click();

  await expect(block.root).toHaveAttribute('data-approval', 'approved');
  await block.run();
  await expect(block.root).toHaveAttribute('data-status', 'succeeded');
  await expect(block.root).toHaveAttribute('data-write', 'nothing');
  await expect(block.status).toContainText('0 rows changed');
  const warning = block.root.locator('[data-write-warning="nothing"]');
  await expect(warning).toContainText('The write matched nothing');
  await expect(warning).toContainText('Check the parameters');
  await shoot(operator.page, block, 'write-zero-rows');
  for (const p of [operator, approver]) expect(p.errors, 'console errors').toEqual([]);
});

test('a trigger shows the DAG run it would start and starts it only when confirmed', async ({ page, consoleErrors }) => {
  await new RunbookPage(page).open('/canonical/setup-dags');
  const block = new AirflowBlockObject(page, TRIGGER);
  await block.run();
  await expect(block.triggerPreview).toBeVisible();
  await expect(block.root).toHaveAttribute('data-status', 'succeeded');
  await expect(block.triggerPreview).toContainText('airflow_variable_sync');
  await expect(block.triggerPreview).toContainText('manual__');
  await expect(block.status).toContainText('Dry run: nothing changed');
  // Nothing was started: no DAG run state reached the block.
  await expect(block.root).not.toHaveAttribute('data-airflow-state', /./);
  await shoot(page, block, 'trigger-preview');

  await block.confirmTriggerButton.click();
  await expect(block.root).toHaveAttribute('data-airflow-state', /^(queued|running|success)$/);
  await expect(block.root).toHaveAttribute('data-status', 'succeeded', { timeout: 45_000 });
  await expect(block.root).toHaveAttribute('data-airflow-state', 'success');
  expect(consoleErrors).toEqual([]);
});
