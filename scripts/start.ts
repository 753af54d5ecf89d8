/**
 * npm start — builds the site (and with it the snippet manifest), then serves site, API and the demo
 * environment on one port. `npm start -- --check-config` skips the build: it validates the configuration
 * and tries every connection profile. The demo replays its checks for the 14 days before today in the
 * background (OPSBOOK_SEED_HISTORY_DAYS; 0 turns it off), so the Health page's baselines have history.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const siteDir = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const env = { ...process.env, OPSBOOK_SEED_HISTORY_DAYS: process.env.OPSBOOK_SEED_HISTORY_DAYS ?? '14' };
const run = (cmd: string, argv: string[]) => spawnSync(cmd, argv, { cwd: siteDir, stdio: 'inherit', env }).status ?? 1;

if (!args.includes('--check-config')) {
  const built = run('npx', ['docusaurus', 'build']);
  if (built !== 0) process.exit(built);
}
process.exit(run(process.execPath, ['--import', 'tsx', 'server/index.ts', ...args]));
