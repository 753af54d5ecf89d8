import { test, expect } from './fixtures';
import { RunbookPage } from './pages/RunbookPage';

/**
 * In a real browser, the page offers binary row frames and the server sends them (server/frames.ts): the
 * grid shows the rows decoded from MessagePack, while every other message stays JSON text.
 */
test('the page receives its rows as binary frames and shows them', async ({ page, consoleErrors }) => {
  const frames: { binary: boolean; type: string | null }[] = [];
  page.on('websocket', (ws) => {
    ws.on('framereceived', ({ payload }) => {
      const binary = typeof payload !== 'string';
      frames.push({ binary, type: binary ? null : ((JSON.parse(payload) as { type?: string }).type ?? null) });
    });
  });
  const runbook = new RunbookPage(page);
  await runbook.open('/getting-started/first-run');
  const block = runbook.block('getting-started-first-run/hello-warehouse');
  await block.run();
  await expect(block.root).toHaveAttribute('data-status', 'succeeded');
  await expect(block.grid.getByRole('row')).toHaveCount(11); // header + 10 rows
  await expect(block.grid).toContainText('row 10');
  expect(frames.filter((f) => f.binary).length).toBeGreaterThan(0);
  // Text frames carry everything else; none of them is a rows message.
  expect(frames.filter((f) => !f.binary).map((f) => f.type)).not.toContain('rows');
  expect(frames.filter((f) => !f.binary).map((f) => f.type)).toEqual(expect.arrayContaining(['accepted', 'columns', 'done']));
  expect(consoleErrors).toEqual([]);
});
