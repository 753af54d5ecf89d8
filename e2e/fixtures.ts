/**
 * The e2e test fixture: every page fails its test on a console error or an uncaught exception, each test
 * can save a screenshot under e2e/artifacts for review, and every worker runs against a server of its own.
 *
 * A spec that changes what others would see (training faults, approvals, Airflow runs, the audit) names
 * its own server with `test.use({ server: 'training' })`: Playwright gives each server name its own worker,
 * so that spec's state — warehouse, sandbox, approvals, audit — is nobody else's. A worker that lost a
 * test is replaced, and its replacement starts a fresh server: a half-finished test leaves nothing behind.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { startOpsbook, startSnowflakeFake, type RunningOpsbook, type RunningSnowflakeFake } from './harness/servers';

interface WorkerFixtures {
  /** Which server this spec runs against; specs with the same name share one (option, worker-scoped). */
  server: string;
  /** The server's configuration file, when a spec needs another than e2e/opsbook.e2e.yaml (option, worker-scoped). */
  serverConfig: string | undefined;
  /** Whether this worker also runs the Snowflake contract fake and points the server's snowflake environment at it. */
  withSnowflake: boolean;
  snowflakeFake: RunningSnowflakeFake | null;
  opsbook: RunningOpsbook;
}

interface TestFixtures {
  consoleErrors: string[];
  shot: (name: string) => Promise<void>;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  server: ['shared', { scope: 'worker', option: true }],
  withSnowflake: [false, { scope: 'worker', option: true }],
  serverConfig: [undefined, { scope: 'worker', option: true }],
  snowflakeFake: [
    async ({ withSnowflake, server }, use, workerInfo) => {
      const fake = withSnowflake ? await startSnowflakeFake(`${server}-w${workerInfo.workerIndex}`) : null;
      await use(fake);
      await fake?.stop();
    },
    { scope: 'worker', timeout: 600_000 },
  ],
  opsbook: [
    async ({ server, snowflakeFake, serverConfig }, use, workerInfo) => {
      const running = await startOpsbook({ name: `${server}-w${workerInfo.workerIndex}`, ...(snowflakeFake ? { snowflakeUrl: snowflakeFake.url } : {}), ...(serverConfig ? { config: serverConfig } : {}) });
      await use(running);
      await running.stop();
    },
    // Starting seeds a demo warehouse; on a machine whose cores are busy that takes a while.
    { scope: 'worker', timeout: 600_000 },
  ],
  baseURL: async ({ opsbook }, use) => {
    await use(opsbook.url);
  },
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    await use(errors);
    expect(errors, 'console errors on the page').toEqual([]);
  },
  shot: async ({ page }, use) => {
    await use(async (name: string) => {
      await page.screenshot({ path: `e2e/artifacts/${name}.png`, fullPage: false });
    });
  },
});

export { expect };
export type { Page };
