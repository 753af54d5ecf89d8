/**
 * One demo warehouse seeded per day, copied into each e2e server's state directory. Seeding writes 1.5 M
 * rows (10 s on an idle machine, well over a minute on a busy one); copying a file takes a moment, so every
 * spec can have a server of its own without paying for a seed each time.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { siteDir } from './process';

export const TEMPLATE = path.join(siteDir, '.opsbook', 'e2e-template', 'demo.duckdb');

/**
 * Seeds the template unless it is current (today's, of this seed version), with the check the server
 * makes at start. In its own tsx process: the server's modules are ES modules Playwright's loader cannot run.
 */
export function ensureTemplate(): void {
  fs.mkdirSync(path.dirname(TEMPLATE), { recursive: true });
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'seed-template.ts'), TEMPLATE], { cwd: siteDir, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`e2e: could not seed the demo warehouse template at ${TEMPLATE} (exit ${r.status ?? r.signal}); see the output above.`);
}

/** A private copy of the template at `file` (with its write-ahead log, if the seed left one). */
export function copyTemplate(file: string): void {
  fs.copyFileSync(TEMPLATE, file);
  if (fs.existsSync(`${TEMPLATE}.wal`)) fs.copyFileSync(`${TEMPLATE}.wal`, `${file}.wal`);
}
