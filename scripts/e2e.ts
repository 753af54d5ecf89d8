/**
 * npm run test:e2e — builds the site (the manifest comes with it), makes sure a Chromium exists, then
 * runs Playwright against the real server (each worker starts its own on a free port: e2e/fixtures.ts). Installs Debian's chromium when none is found and this
 * process may (root with apt-get); never downloads a browser of Playwright's own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromiumExecutable } from '../e2e/chromium';

const siteDir = path.resolve(__dirname, '..');
const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { cwd: siteDir, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

if (!chromiumExecutable()) {
  const canInstall = process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    console.error('e2e: no Chromium found. Install Debian\'s chromium (apt-get install chromium) or set CHROMIUM_PATH.');
    process.exit(1);
  }
  console.log('e2e: installing Debian chromium…');
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

if (process.env.E2E_SKIP_BUILD !== '1') run('npx', ['docusaurus', 'build']);
run('npx', ['playwright', 'test', ...process.argv.slice(2)]);
