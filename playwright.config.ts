import { defineConfig } from '@playwright/test';
import { chromiumExecutable, CHROMIUM_ARGS } from './e2e/chromium';

/*
 * No webServer here: each worker starts its own Opsbook server (and, for the Snowflake spec, the contract
 * fake) on ports picked at start, with a state directory of its own — see e2e/fixtures.ts. So a spec that
 * injects a fault or leaves an approval behind cannot fail another, and two runs on one machine never
 * fight over a port.
 *
 * One worker: the machine's two cores are shared with the servers and the browser. Timeouts are failure
 * guards sized for a busy machine, not expectations of speed; tests wait for states, never for time. With
 * both cores taken by other jobs (load average 20 on 2 cores), opening a runbook page took 35 s and a test
 * of four pages 3 minutes: a passing suite never comes near these, a hung step still ends.
 */
export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/harness/global-setup.ts',
  outputDir: './e2e/artifacts/results',
  fullyParallel: false,
  workers: Number(process.env.E2E_WORKERS ?? 1),
  retries: 0,
  timeout: 600_000,
  expect: { timeout: 120_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumExecutable(), args: [...CHROMIUM_ARGS] },
    actionTimeout: 120_000,
    navigationTimeout: 120_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
