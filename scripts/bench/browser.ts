/**
 * Browser: click Run → first row painted (DESIGN.md §11: demo, p50 ≤ 250 ms). The built site and the real
 * server in Chromium, on the getting-started query. The page itself takes the times: the click's event time,
 * and the frame after the first result row entered the grid (a `requestAnimationFrame` after the row is in
 * the DOM runs once that frame is being painted). Warm-up runs first (the socket, the code paths), then
 * timed runs, each after the last one ended.
 */
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../../e2e/chromium';
import { startSiteServer } from './siteServer';
import { percentile, summarize, type Summary } from './stats';

const PAGE = '/getting-started/first-run';
const SNIPPET = 'getting-started-first-run/hello-warehouse';
const WARM_UP = 3;
const BUDGET_MS = 250;
const CLICK_LIMIT_MS = 60_000;

export interface BrowserFirstRow {
  readonly summary: Summary;
  readonly p95: number;
}

/**
 * The page-side timer, as source text: a function handed to page.evaluate would carry the helpers tsx's
 * compiler adds (`__name`), which do not exist in the page.
 */
function armScript(key: string): string {
  return `new Promise((resolve) => {
    const block = document.querySelector(${JSON.stringify(`[data-snippet="${key}"]`)});
    let clickedAt = -1;
    const button = [...block.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Run');
    button.addEventListener('click', (e) => { clickedAt = e.timeStamp; }, { capture: true, once: true });
    // A result row added after the click (a run starts with an empty grid, so its rows are new elements).
    const ROW = 'table[aria-label="Results"] tbody tr:not([aria-hidden])';
    const isRow = (n) => n instanceof Element && (n.matches(ROW) || n.querySelector(ROW) !== null);
    const observer = new MutationObserver((records) => {
      if (clickedAt < 0 || !records.some((r) => [...r.addedNodes].some(isRow))) return;
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - clickedAt));
    });
    observer.observe(block, { childList: true, subtree: true });
  })`;
}

/** Clicks Run once; resolves the milliseconds from the click to the frame that paints the first row. */
async function timedClick(page: Page): Promise<number> {
  const root = page.locator(`[data-snippet="${SNIPPET}"]`);
  await root.locator('button', { hasText: /^Run$/ }).waitFor();
  const armed = page.evaluate(armScript(SNIPPET)) as Promise<number>;
  await root.locator('button', { hasText: /^Run$/ }).click();
  // A page that never shows a row fails the figure instead of hanging the bench.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no result row within ${CLICK_LIMIT_MS / 1000} s of the click`)), CLICK_LIMIT_MS)));
  const ms = await Promise.race([armed, late]).finally(() => clearTimeout(timer));
  await page.locator(`[data-snippet="${SNIPPET}"][data-status="succeeded"]`).waitFor({ timeout: 60_000 });
  return ms;
}

export async function measureClickToFirstRow(dbFile: string, runs: number): Promise<BrowserFirstRow | null> {
  const site = await startSiteServer(dbFile, 'browser click → first row');
  if (!site) return null;
  const browser = await chromium.launch({ executablePath: site.executablePath, args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage();
    await page.goto(`${site.url}${PAGE}`);
    await page.locator(`[data-snippet="${SNIPPET}"]`).waitFor({ timeout: 120_000 });
    for (let i = 0; i < WARM_UP; i++) await timedClick(page);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await timedClick(page));
    return { summary: summarize(times), p95: percentile(times, 95) };
  } finally {
    await browser.close();
    await site.stop();
  }
}

export function browserRow(r: BrowserFirstRow): [string, string, string, boolean] {
  const s = r.summary;
  return [
    `browser (Chromium): click Run → first row painted, demo (median of ${s.n})`,
    `${s.median.toFixed(1)} ms [${s.min.toFixed(1)}–${s.max.toFixed(1)}], p95 ${r.p95.toFixed(1)} ms`,
    `p50 ≤ ${BUDGET_MS} ms`,
    s.median <= BUDGET_MS,
  ];
}
