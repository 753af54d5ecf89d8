/**
 * A fresh browser context signed in as a demo user through the navbar's switcher, collecting its console
 * errors: the way a second person (an approver, an admin) joins a test. Playwright Test gives the context
 * the worker's server as its base URL.
 */
import type { Browser, Page } from '@playwright/test';
import { expect } from '../fixtures';

export async function signedIn(browser: Browser, user: string, path: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(path);
  const switcher = page.getByLabel('Signed in as');
  if ((await switcher.inputValue()) !== user) await Promise.all([page.waitForEvent('load'), switcher.selectOption(user)]);
  await expect(page.getByLabel('Signed in as')).toHaveValue(user);
  return { page, errors };
}
