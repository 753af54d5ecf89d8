/**
 * The e2e test fixture: every page fails its test on a console error or an uncaught exception, and each
 * test can save a screenshot under e2e/artifacts for review.
 */
import { test as base, expect, type Page } from '@playwright/test';

export const test = base.extend<{ consoleErrors: string[]; shot: (name: string) => Promise<void> }>({
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    await use(errors);
    expect(errors, 'console errors on the page').toEqual([]);
  },
  shot: async ({ page }, use, testInfo) => {
    await use(async (name: string) => {
      await page.screenshot({ path: `e2e/artifacts/${name}.png`, fullPage: false });
      void testInfo;
    });
  },
});

export { expect };
export type { Page };
