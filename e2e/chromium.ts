/**
 * Finds a Chromium for Playwright without downloading one: CHROMIUM_PATH, then Debian's package.
 * Undefined means "let Playwright use its own browser, if one was installed".
 */
import fs from 'node:fs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
] as const;

export const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
  (c): c is string => Boolean(c),
);

export function chromiumExecutable(): string | undefined {
  return CHROMIUM_CANDIDATES.find((c) => fs.existsSync(c));
}
