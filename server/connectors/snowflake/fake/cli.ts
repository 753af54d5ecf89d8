/**
 * The Snowflake contract fake as its own process — for e2e (a Playwright webServer entry) and for
 * trying a `kind: snowflake` environment by hand. A test tool, never part of the product server.
 *
 *   npx tsx server/connectors/snowflake/fake/cli.ts [--port 3918] [--demo | --file warehouse.duckdb]
 *
 * --demo seeds a private copy of the demo warehouse, so runbook checks find their tables. Users:
 * OPS_RO (role OPS_READONLY, read-only) and OPS_RW (role OPS_WRITE); passwords from
 * SF_FAKE_READ_PASSWORD / SF_FAKE_WRITE_PASSWORD (default fake-read / fake-write). Prints one JSON line
 * {"accessUrl","account"} when ready; GET /__fake/health answers once it is; SIGINT/SIGTERM stop it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seedDemoWarehouse } from '../../../demo/warehouse';
import { startSnowflakeFake } from './index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, demo: { type: 'boolean', default: false }, file: { type: 'string' }, account: { type: 'string', default: 'opsbookfake' } },
  });
  let tmp: string | null = null;
  let file = values.file;
  if (values.demo) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-sf-fake-'));
    file = path.join(tmp, 'warehouse.duckdb');
    await seedDemoWarehouse(file);
  }
  const fake = await startSnowflakeFake({
    account: values.account,
    port: Number(values.port),
    ...(file ? { file } : {}),
    users: [
      { name: 'OPS_RO', password: process.env.SF_FAKE_READ_PASSWORD ?? 'fake-read', roles: ['OPS_READONLY'] },
      { name: 'OPS_RW', password: process.env.SF_FAKE_WRITE_PASSWORD ?? 'fake-write', roles: ['OPS_WRITE'] },
    ],
    readOnlyRoles: ['OPS_READONLY'],
  });
  console.log(JSON.stringify({ accessUrl: fake.accessUrl, account: fake.account }));
  const stop = () => {
    void fake.close().finally(() => {
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`snowflake fake: ${(error as Error).message}`);
  process.exit(1);
});
