import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { chromiumExecutable, CHROMIUM_ARGS } from './e2e/chromium';

const port = Number(process.env.E2E_PORT ?? 3917);
const sfPort = Number(process.env.E2E_SF_PORT ?? 3918);
// A private warehouse and state store per run: e2e never fights a running server for DuckDB's file lock.
const stateDir = (process.env.OPSBOOK_E2E_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-e2e-')));

export default defineConfig({
  testDir: './e2e',
  outputDir: './e2e/artifacts/results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumExecutable(), args: [...CHROMIUM_ARGS] },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: [
  {
    // The Snowflake contract fake (issue #6): a real snowflake-sdk session against it runs runbook checks.
    command: `npx tsx server/connectors/snowflake/fake/cli.ts --port ${sfPort} --demo`,
    url: `http://127.0.0.1:${sfPort}/__fake/health`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
  },
  {
    command: 'npx tsx server/index.ts',
    url: `http://127.0.0.1:${port}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    env: { PORT: String(port), HOST: '127.0.0.1', OPSBOOK_CONFIG: 'e2e/opsbook.e2e.yaml', OPSBOOK_E2E_DIR: stateDir, E2E_SF_PORT: String(sfPort) },
  },
  ],
});
