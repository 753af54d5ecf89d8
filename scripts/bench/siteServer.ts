/**
 * The built site and the real server on a copy of the demo warehouse, for the bench's browser figures
 * (health.ts, browser.ts): demo sign-in, the demo's Airflow sandbox, no replay of past days (the figure is
 * the page's own time, not the page's while the replay shares the CPU). Null, with the reason printed,
 * without a built site or a Chromium (`npm run build` or `npm run bench -- --build`; `apt-get install chromium`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromiumExecutable } from '../../e2e/chromium';
import { freePort } from './ports';

export const siteDir = path.resolve(__dirname, '../..');

export interface SiteServer {
  readonly url: string;
  readonly executablePath: string;
  stop(): Promise<void>;
}

export async function startSiteServer(dbFile: string, what: string, port?: number): Promise<SiteServer | null> {
  const executablePath = chromiumExecutable();
  const built = fs.existsSync(path.join(siteDir, 'build', 'opsbook-manifest.json'));
  if (!executablePath || !built) {
    console.log(`bench: ${what} skipped: ${!built ? 'no built site (npm run build, or npm run bench -- --build)' : 'no Chromium (CHROMIUM_PATH or apt-get install chromium)'}.`);
    return null;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-site-'));
  // A copy: runs record their results, and the warehouse of the other measurements stays as it was.
  fs.copyFileSync(dbFile, path.join(dir, 'demo.duckdb'));
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    `environments:\n  demo:\n    label: Demo\n    connections:\n` +
      `      warehouse: {kind: duckdb, path: ${JSON.stringify(path.join(dir, 'demo.duckdb'))}, demo: true}\n` +
      `      source: {kind: duckdb, path: ${JSON.stringify(path.join(dir, 'demo.duckdb'))}}\n` +
      `      airflow: {kind: airflow, sandbox: true}\n` +
      `auth: {mode: demo}\naudit: {store: duckdb, path: ${JSON.stringify(path.join(dir, 'state.duckdb'))}}\n`,
  );
  port ??= await freePort();
  const server = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    cwd: siteDir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', OPSBOOK_CONFIG: path.join(dir, 'config.yaml'), OPSBOOK_SEED_HISTORY_DAYS: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => d.toString().includes('serving on') && resolve());
      server.once('exit', (code) => reject(new Error(`the bench server exited with ${code}`)));
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: `http://127.0.0.1:${port}`, executablePath, stop };
}
