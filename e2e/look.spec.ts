/**
 * What an operator sees, page by page: the home page, a runbook, Health, Operations, Approvals, Audit and
 * Training at a phone's width (420 px), just above the mobile menu (1000 px), a laptop (1200 px) and a desktop
 * (1440 px), light and dark. Every view is saved to e2e/artifacts/look/ for a person to look at; the test asserts
 * what must hold everywhere: the logo is there and has loaded in both themes, the product name is readable or
 * deliberately replaced by the logo (never cut to "O…"), the navbar keeps to one line inside the window, and at
 * 420 px no page scrolls sideways (wide tables scroll inside their own box).
 */
import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

const PAGES = [
  { name: 'home', path: '/' },
  { name: 'runbook', path: '/retail/failure-handling' },
  { name: 'health', path: '/health' },
  { name: 'operations', path: '/operations' },
  { name: 'approvals', path: '/approvals' },
  { name: 'audit', path: '/audit' },
  { name: 'training', path: '/training' },
] as const;
const WIDTHS = [420, 1000, 1200, 1440] as const;
const THEMES = ['light', 'dark'] as const;
const DIR = 'e2e/artifacts/look';
const ADMIN = 'alex.admin';

// The Operations page is drawn with an operation in its list: a server of its own, so nobody else's list changes.
test.use({ server: 'look' });

// Seven pages, each opened at four widths in two themes, on a machine whose cores are shared: a guard only.
test.describe.configure({ timeout: 900_000 });

interface NavbarFacts {
  logoVisible: boolean;
  logoLoaded: boolean;
  logoAlt: string;
  titleVisible: boolean;
  titleCut: boolean;
  navbarHeight: number;
  /** Navbar items whose box reaches past the window's right edge. */
  itemsOutside: string[];
  /** Pairs of navbar items drawn over each other (the environment picker over "Approvals"). */
  itemsOverlapping: string[];
  /** How far the page scrolls sideways (0 when it does not). */
  sideways: number;
}

/** The facts the assertions read, measured in the page as it is drawn. */
async function navbarFacts(page: Page): Promise<NavbarFacts> {
  return page.evaluate(() => {
    const shown = (el: Element | null): el is HTMLElement => {
      if (!(el instanceof HTMLElement)) return false;
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
    };
    const logo = Array.from(document.querySelectorAll('.navbar__brand img')).find(shown) as HTMLImageElement | undefined;
    const title = document.querySelector('.navbar__brand .navbar__title');
    const navbar = document.querySelector('nav.navbar');
    const items = Array.from(document.querySelectorAll('.navbar__inner .navbar__brand, .navbar__inner .navbar__items > *')).filter(shown);
    const name = (el: Element) => el.textContent?.trim().slice(0, 30) || el.className;
    // Search's container is wider than what it draws (below 997 px it is pinned over the navbar's right end, and
    // the picker keeps clear of the box it draws): measure the search box itself.
    const drawn = (el: Element) => (el.querySelector('.navbar__search-input') ?? el).getBoundingClientRect();
    const overlapping: string[] = [];
    items.forEach((a, i) => {
      for (const b of items.slice(i + 1)) {
        const ra = drawn(a);
        const rb = drawn(b);
        // A pixel of shared edge is how flex lays items side by side, not an overlap.
        const shared = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
        if (shared > 1 && !a.contains(b) && !b.contains(a)) overlapping.push(`${name(a)} / ${name(b)}`);
      }
    });
    return {
      logoVisible: Boolean(logo),
      logoLoaded: Boolean(logo && logo.complete && logo.naturalWidth > 0),
      logoAlt: logo?.alt ?? '',
      titleVisible: shown(title),
      titleCut: shown(title) && (title as HTMLElement).scrollWidth > (title as HTMLElement).clientWidth,
      navbarHeight: navbar instanceof HTMLElement ? navbar.getBoundingClientRect().height : 0,
      itemsOutside: items.filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5).map(name),
      itemsOverlapping: overlapping,
      sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    };
  });
}

/** Opens a page the way an operator does, in the theme their system asks for, and waits until it has loaded. */
async function open(page: Page, path: string, theme: (typeof THEMES)[number]): Promise<void> {
  await page.emulateMedia({ colorScheme: theme });
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
  await expect(page.locator('main, .main-wrapper').first()).toBeVisible();
  // The page's data has come (no "Loading…" left in it) and its images (the logo among them) have loaded or
  // failed, so the screenshot shows what an operator reads and the facts are final.
  await page.waitForFunction(() => !/Loading/.test(document.querySelector('main')?.textContent ?? '') && Array.from(document.images).every((img) => img.complete));
}

/** An operation with a long title, so the list at 420 px shows how a real row wraps. */
async function startAnOperation(page: Page): Promise<void> {
  await page.goto('/operations');
  await page.getByRole('button', { name: 'Start an operation' }).click();
  const form = page.getByRole('form', { name: 'Start an operation' });
  await form.getByLabel('Title').fill('Night checks: the LDZ file for Marketing arrived 40 minutes late, rerun after 06:00');
  await form.getByRole('button', { name: /^Start/ }).click();
  await expect(page).toHaveURL(/[?&]id=/);
}

/** An admin sees every page's full content (the audit log is for admins and approvers). */
async function signInAsAdmin(page: Page): Promise<void> {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/');
  const switcher = page.getByLabel('Signed in as');
  if ((await switcher.inputValue()) !== ADMIN) await Promise.all([page.waitForEvent('load'), switcher.selectOption(ADMIN)]);
  await expect(page.getByLabel('Signed in as')).toHaveValue(ADMIN);
}

/** Soft: one run shows every page, width and theme that is wrong, not only the first. */
function expectNavbar(facts: NavbarFacts, where: string, width: number): void {
  expect.soft(facts.logoVisible, `${where}: the logo is shown`).toBe(true);
  expect.soft(facts.logoLoaded, `${where}: the logo has loaded (naturalWidth > 0)`).toBe(true);
  // Where the title gives way, the logo says the product's name to a screen reader instead.
  if (!facts.titleVisible) expect.soft(facts.logoAlt, `${where}: the logo stands in for the hidden title`).toBe('Opsbook');
  expect.soft(facts.titleCut, `${where}: the title is not cut short`).toBe(false);
  expect.soft(facts.navbarHeight, `${where}: the navbar keeps to one line`).toBeLessThan(80);
  expect.soft(facts.itemsOutside, `${where}: no navbar item reaches past the window`).toEqual([]);
  expect.soft(facts.itemsOverlapping, `${where}: no navbar item is drawn over another`).toEqual([]);
  if (width === 420) expect.soft(facts.sideways, `${where}: the page does not scroll sideways at 420 px`).toBeLessThanOrEqual(0);
}

test.beforeAll(() => {
  fs.mkdirSync(DIR, { recursive: true });
});

for (const target of PAGES) {
  test(`${target.name}: logo, title and width at every size, light and dark`, async ({ page, consoleErrors }) => {
    await signInAsAdmin(page);
    if (target.name === 'operations') await startAnOperation(page);
    for (const theme of THEMES) {
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        await open(page, target.path, theme);
        const where = `${target.path} at ${width} px, ${theme}`;
        await page.screenshot({ path: `${DIR}/${target.name}-${width}-${theme}.png` });
        expectNavbar(await navbarFacts(page), where, width);
      }
    }
    // Other screens switch the theme on a page already drawn (the toggle, or a test flipping data-theme): the
    // logo drawn for the light theme must not vanish when the page turns dark.
    await page.setViewportSize({ width: 1200, height: 900 });
    await open(page, target.path, 'light');
    await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
    await page.screenshot({ path: `${DIR}/${target.name}-1200-flipped-dark.png` });
    expectNavbar(await navbarFacts(page), `${target.path} turned dark after loading`, 1200);
    void consoleErrors; // the fixture fails the test on any console error
  });
}
