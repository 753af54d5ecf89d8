/**
 * Bench (issue 11): the time to run every check of every runbook on demo, from the Health page's
 * "Run every check" click to the last result on the page — the built site and the real server, in
 * Chromium. Measured and reported, not a budget. Skipped, with the reason, without a built site or a
 * Chromium (`npm run build`; `apt-get install chromium` or CHROMIUM_PATH).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumExecutable, CHROMIUM_ARGS } from '../../e2e/chromium';

const siteDir = path.resolve(__dirname, '../..');

export interface HealthBench {
  readonly checks: number;
  readonly problems: number;
  readonly ms: number;
}

/** A port the system just handed out (listen on 0), for the child server: no fixed ports on a shared machine. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Null with a printed reason when it cannot run here. `port` defaults to a free one. */
export async function measureRunEveryCheck(dbFile: string, port?: number): Promise<HealthBench | null> {
  const executablePath = chromiumExecutable();
  const built = fs.existsSync(path.join(siteDir, 'build', 'opsbook-manifest.json'));
  if (!executablePath || !built) {
    console.log(`bench: Health page "Run every check" skipped: ${!built ? 'no built site (npm run build)' : 'no Chromium (CHROMIUM_PATH or apt-get install chromium)'}.`);
    return null;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-health-'));
  // A copy: the checks record their results, and the warehouse of the other measurements stays as it was.
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
    // No demo history replay: the figure is the checks' own time, not theirs while the replay shares the CPU.
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', OPSBOOK_CONFIG: path.join(dir, 'config.yaml'), OPSBOOK_SEED_HISTORY_DAYS: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => d.toString().includes('serving on') && resolve());
      server.once('exit', (code) => reject(new Error(`the bench server exited with ${code}`)));
    });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/health`);
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
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
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
