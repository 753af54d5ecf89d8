/**
 * Bench (issue 11): the time to run every check of every runbook on demo, from the Health page's
 * "Run every check" click to the last result on the page — the built site and the real server, in
 * Chromium. Measured and reported, not a budget. Skipped, with the reason, without a built site or a
 * Chromium (`npm run build`; `apt-get install chromium` or CHROMIUM_PATH).
 */
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS } from '../../e2e/chromium';
import { startSiteServer } from './siteServer';


export interface HealthBench {
  readonly checks: number;
  readonly problems: number;
  readonly ms: number;
}

/** Null with a printed reason when it cannot run here. `port` defaults to a free one. */
export async function measureRunEveryCheck(dbFile: string, port?: number): Promise<HealthBench | null> {
  const site = await startSiteServer(dbFile, 'Health page "Run every check"', port);
  if (!site) return null;
  const browser = await chromium.launch({ executablePath: site.executablePath, args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage();
    await page.goto(`${site.url}/health`);
    const button = page.getByRole('button', { name: 'Run every check' });
    await page.locator('tr[data-check-key]').first().waitFor({ timeout: 300_000 });
    const t0 = Date.now();
    await button.click();
    await page.locator('[data-phase="done"]').waitFor({ timeout: 1_800_000 });
    const ms = Date.now() - t0;
    const progress = page.locator('[data-total]');
    return { checks: Number(await progress.getAttribute('data-total')), problems: Number(await progress.getAttribute('data-problems')), ms };
  } finally {
    await browser.close();
    await site.stop();
  }
}

export function healthRow(r: HealthBench): [string, string, string, boolean] {
  return [
    `Health page: Run every check on demo, click → last result (${r.checks} checks)`,
    `${(r.ms / 1000).toFixed(1)} s (${r.problems} not OK)`,
    'reported',
    true,
  ];
}
