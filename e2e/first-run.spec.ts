import { test, expect } from './fixtures';
import { RunbookPage } from './pages/RunbookPage';

test.describe('Getting started: your first run', () => {
  test('runs a query, streams rows into the grid and shows the check passing', async ({ page, consoleErrors, shot }) => {
    const runbook = new RunbookPage(page);
    await runbook.open('/getting-started/first-run');
    const block = runbook.block('getting-started-first-run/hello-warehouse');
    await expect(block.root).toHaveAttribute('data-status', 'idle');
    await block.run();
    await expect(block.root).toHaveAttribute('data-status', 'succeeded');
    await expect(block.grid.getByRole('row')).toHaveCount(11); // header + 10 rows
    await expect(block.grid).toContainText('row 10');
    await expect(block.check).toHaveAttribute('data-check', 'passed');
    await expect(block.status).toContainText('10 rows');
    await expect(block.status).toContainText(/demo/i);
    await shot('first-run-succeeded');
    expect(consoleErrors).toEqual([]);
  });

  test('cancels a long query on the server', async ({ page, consoleErrors }) => {
    const runbook = new RunbookPage(page);
    await runbook.open('/getting-started/first-run');
    const block = runbook.block('getting-started-first-run/long-query');
    await block.run();
    await expect(block.root).toHaveAttribute('data-status', 'running');
    await expect(block.cancelButton).toBeEnabled();
    await block.cancelButton.click();
    await expect(block.root).toHaveAttribute('data-status', 'cancelled');
    expect(consoleErrors).toEqual([]);
  });

  test('shows a database error with its message and where it came from', async ({ page, consoleErrors, shot }) => {
    const runbook = new RunbookPage(page);
    await runbook.open('/getting-started/first-run');
    const block = runbook.block('getting-started-first-run/missing-table');
    await block.run();
    await expect(block.root).toHaveAttribute('data-status', 'failed');
    await expect(block.alert).toContainText('table_that_does_not_exist');
    await expect(block.alert).toContainText('connector_error');
    await expect(block.alert).toContainText(/demo/);
    await shot('first-run-error');
    expect(consoleErrors).toEqual([]);
  });

  test('sends edited parameters and the server validates them', async ({ page, consoleErrors }) => {
    const runbook = new RunbookPage(page);
    await runbook.open('/getting-started/first-run');
    const block = runbook.block('getting-started-first-run/days-back');
    await block.root.getByLabel('days').fill('3');
    await block.run();
    await expect(block.root).toHaveAttribute('data-status', 'succeeded');
    await expect(block.grid.getByRole('row')).toHaveCount(4);
    expect(consoleErrors).toEqual([]);
  });
});
