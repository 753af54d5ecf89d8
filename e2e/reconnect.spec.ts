/**
 * A run's output survives a dropped connection, and the page says what is happening meanwhile. The page
 * reaches the server through a TCP proxy the spec controls (e2e/harness/tcpProxy.ts): mid-stream every
 * connection is dropped without a close frame and the link stays down, so the block must say
 * "Reconnecting…"; then the link comes back, the page's own client resumes the run, and the stream goes
 * on to its last row with no row repeated or skipped. Light, dark and a 420 px wide phone.
 */
import type { Page } from '@playwright/test';
import { startOpsbook, type RunningOpsbook } from './harness/servers';
import { TcpProxy } from './harness/tcpProxy';
import { test as base, expect } from './fixtures';
import { RunbookPage } from './pages/RunbookPage';

const test = base.extend<object, { link: TcpProxy; opsbook: RunningOpsbook }>({
  link: [
    async ({}, use) => {
      const proxy = await TcpProxy.listen();
      await use(proxy);
      await proxy.close();
    },
    { scope: 'worker' },
  ],
  // This worker's server allows the proxy's origin: the page is served through it, as through a load balancer.
  opsbook: [
    async ({ server, link }, use, workerInfo) => {
      const running = await startOpsbook({ name: `${server}-w${workerInfo.workerIndex}`, env: { OPSBOOK_E2E_ALLOWED_ORIGIN: link.origin } });
      link.forwardTo(Number(new URL(running.url).port));
      await use(running);
      await running.stop();
    },
    { scope: 'worker', timeout: 600_000 },
  ],
});

test.use({ server: 'reconnect' });

const ROWS = 9_000;
const looks = [
  { name: 'light', colorScheme: 'light', width: 1280 },
  { name: 'dark', colorScheme: 'dark', width: 1280 },
  { name: 'narrow', colorScheme: 'light', width: 420 },
] as const;

/** [row index in the grid, its row_number] at several scroll positions of the (virtualized) grid, down to the last row. */
async function sampleGrid(page: Page, key: string): Promise<[number, number][]> {
  return page.evaluate(async (snippet) => {
    const scroller = document.querySelector<HTMLElement>(`[data-snippet="${snippet}"] table[aria-label="Results"]`)!.parentElement!;
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const seen: [number, number][] = [];
    for (const at of [0, 0.25, 0.5, 0.75, 1]) {
      scroller.scrollTop = (scroller.scrollHeight - scroller.clientHeight) * at;
      await frame();
      for (const tr of Array.from(scroller.querySelectorAll<HTMLTableRowElement>('tbody tr[data-index]'))) seen.push([Number(tr.dataset.index), Number(tr.cells[0]!.textContent!.replace(/\D/g, ''))]);
    }
    return seen;
  }, key);
}

for (const look of looks) {
  test(`says Reconnecting… while the link is down, then the stream continues to its last row (${look.name})`, async ({ page, link, shot }) => {
    // The browser itself logs what the drop does to the page's other traffic — a response cut mid-transfer,
    // connections refused while the link is down — and the socket's refused attempts; nothing else may be.
    const linkDown = /WebSocket connection to .* failed|net::ERR_(CONNECTION_\w+|EMPTY_RESPONSE|CONTENT_LENGTH_MISMATCH)/;
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && !linkDown.test(m.text()) && errors.push(m.text())));
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    await page.emulateMedia({ colorScheme: look.colorScheme });
    await page.setViewportSize({ width: look.width, height: 900 });
    link.restore();
    const runbook = new RunbookPage(page);
    await runbook.open(`${link.origin}/getting-started/first-run`);
    const key = 'getting-started-first-run/large-result';
    const block = runbook.block(key);
    await block.root.scrollIntoViewIfNeeded();

    // A slow link: the run is still streaming when it drops.
    link.slowDown(true);
    await block.run();
    await expect(block.status).toContainText(/[1-9][\d,]* rows/);
    await expect(block.root).toHaveAttribute('data-status', 'running');
    link.dropAll();

    await expect(block.status).toHaveAttribute('data-link', 'reconnecting');
    await expect(block.status).toContainText('Reconnecting…');
    await expect(block.status).toContainText('Connection lost · the run goes on at the server');
    await expect(block.root).toHaveAttribute('data-status', 'running');
    // Under the top bar too, for whoever is looking elsewhere on the page.
    const indicator = page.getByRole('status', { name: 'Connection to the Opsbook server' });
    await expect(indicator).toHaveText('Reconnecting…');
    await block.status.scrollIntoViewIfNeeded();
    await shot(`reconnect-${look.name}-reconnecting`);

    link.restore();
    await expect(block.root).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
    await expect(block.status).toHaveAttribute('data-link', 'resumed');
    await expect(block.status).toContainText('Reconnected · output continued');
    await expect(indicator).not.toHaveText('Reconnecting…'); // "Reconnected" for a moment, then nothing
    await expect(block.status).toContainText(`${ROWS.toLocaleString('en-US')} rows`);
    await expect(block.root.locator('[data-partial-output]')).toHaveCount(0);

    // Every sampled grid row sits at its place (row i shows row_number i + 1), down to the last: nothing
    // repeated (later rows would be pushed down) and nothing skipped (they would be pulled up).
    const sampled = await sampleGrid(page, key);
    expect(sampled.filter(([index, n]) => n !== index + 1)).toEqual([]);
    expect(Math.max(...sampled.map(([, n]) => n))).toBe(ROWS);
    await block.status.scrollIntoViewIfNeeded();
    await shot(`reconnect-${look.name}-continued`);
    expect(errors).toEqual([]);
  });
}

test('says the output is partial, and where the whole result is, when the link does not come back', async ({ page, link, shot }) => {
  const linkDown = /WebSocket connection to .* failed|net::ERR_(CONNECTION_\w+|EMPTY_RESPONSE|CONTENT_LENGTH_MISMATCH)/;
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && !linkDown.test(m.text()) && errors.push(m.text())));
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  link.restore();
  const runbook = new RunbookPage(page);
  await runbook.open(`${link.origin}/getting-started/first-run`);
  const block = runbook.block('getting-started-first-run/large-result');
  await block.root.scrollIntoViewIfNeeded();
  link.slowDown(true);
  await block.run();
  await expect(block.status).toContainText(/[1-9][\d,]* rows/);
  link.dropAll(); // and it stays down: the page's client gives up after its reconnection attempts
  await expect(block.status).toContainText('Reconnecting…');
  await expect(block.root).toHaveAttribute('data-status', 'failed', { timeout: 60_000 });
  const partial = block.root.locator('[data-partial-output]');
  await expect(partial).toContainText('Output is partial');
  await expect(partial).toContainText('only what arrived before the drop');
  await expect(partial.getByRole('link', { name: 'The audit log' })).toHaveAttribute('href', '/audit');
  await expect(block.status).not.toContainText('Reconnected');
  // The top bar's notice goes: the block says what was lost, and "Reconnecting…" would now be untrue.
  await expect(page.locator('[aria-label="Connection to the Opsbook server"]')).toHaveAttribute('data-link', 'hidden');
  await partial.scrollIntoViewIfNeeded();
  await shot('reconnect-light-partial');
  link.restore();
  expect(errors).toEqual([]);
});
