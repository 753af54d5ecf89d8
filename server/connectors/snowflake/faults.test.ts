/**
 * A broken Snowflake endpoint fails only the runs that use it (DESIGN.md §7a), against the real server in
 * a child process running the real snowflake-sdk, pointed at the contract fake: answers cut after their
 * headers or halfway through the body, answers that are not JSON, and the endpoint restarted between two
 * runs (every session gone). Each failing run ends in one `done` `failed` that says what was wrong, where
 * and how to retry; the server keeps serving, and the next run against a healthy endpoint works.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoneMessage } from '../../protocol';
import { OPERATOR, type TestClient } from '../../testing/harness';
import { prepareServerDir, ServerProcess, type ServerDir } from '../../testing/serverProcess';
import { startSnowflakeFake, type FakeFault, type SnowflakeFake } from './fake/index';

const PASSWORD = 'ro-secret-faults';
const fakeOptions = (port = 0) => ({
  account: 'xy12345',
  users: [{ name: 'OPS_RO', password: PASSWORD, roles: ['OPS_READONLY'] }],
  readOnlyRoles: ['OPS_READONLY'],
  setup: ['create schema cdm', 'create table cdm.orders as select i as order_id from range(10) t(i)'],
  port,
});

let fake: SnowflakeFake;
let dir: ServerDir;
let server: ServerProcess;
let client: TestClient;
let seq = 0;

beforeAll(async () => {
  fake = await startSnowflakeFake(fakeOptions());
  process.env.OPSBOOK_TEST_SF_PASSWORD = PASSWORD;
  dir = await prepareServerDir({
    setupSql: 'select 1',
    snippets: { 'rb/orders': { text: 'select count(*) as n from cdm.orders', target: 'sf' } },
    connectionsYaml:
      `      sf: {kind: snowflake, account: xy12345, warehouse: OPS_WH, database: CDM, accessUrl: ${JSON.stringify(fake.accessUrl)}, ` +
      'read: {user: OPS_RO, role: OPS_READONLY, password: "${OPSBOOK_TEST_SF_PASSWORD}"}}\n',
  });
  server = await ServerProcess.start(dir);
  client = await server.connect(OPERATOR);
}, 60_000);

afterAll(async () => {
  client?.close();
  await server?.kill('SIGTERM');
  await fake?.close();
  if (dir) fs.rmSync(dir.dir, { recursive: true, force: true });
});

async function run(): Promise<DoneMessage> {
  const id = `s${++seq}`;
  client.send({ type: 'run', id, snippet: 'rb/orders', sha256: dir.manifest.snippets['rb/orders']!.sha256, env: 'demo', params: {} });
  return client.done(id, 120_000);
}

async function expectStillServing(): Promise<void> {
  expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  expect(server.child.exitCode).toBeNull();
  fake.heal();
  expect(await run()).toMatchObject({ status: 'succeeded', rowCount: 1 });
}

const WHERE = /Source: demo \/ sf \(snowflake\)\./;

describe('a broken Snowflake endpoint', () => {
  it('answers normally at first', async () => {
    expect(await run()).toMatchObject({ status: 'succeeded', rowCount: 1 });
  });

  const faults: [FakeFault, RegExp][] = [
    ['cut-after-headers', /^Lost the connection to Snowflake in the middle of an answer/],
    ['cut-mid-body', /^Lost the connection to Snowflake in the middle of an answer/],
    ['garbage', /^The Snowflake endpoint answered with something that is not a Snowflake answer \(Unexpected token '<'/],
  ];
  for (const [how, message] of faults) {
    it(`${how} on every query answer: the run fails once, saying what, where and to run it again`, async () => {
      fake.breakNext('query', how);
      const done = await run();
      expect(done, JSON.stringify(done)).toMatchObject({ status: 'failed', error: { code: 'unavailable', message: expect.stringMatching(message), hint: expect.stringMatching(/Run it again/) } });
      expect(done.error!.hint).toMatch(WHERE);
      expect(client.messages.filter((m) => m.type === 'done' && m.id === done.id)).toHaveLength(1);
      await expectStillServing();
    }, 180_000);
  }

  it('restarted between two runs (every session gone): the next run logs in again and works', async () => {
    expect(await run()).toMatchObject({ status: 'succeeded' });
    const port = Number(new URL(fake.accessUrl).port);
    await fake.close();
    fake = await startSnowflakeFake(fakeOptions(port));
    expect(await run()).toMatchObject({ status: 'succeeded', rowCount: 1 });
    expect(fake.requests.filter((r) => r.kind === 'login')).toHaveLength(1); // a new session on the new endpoint
  }, 180_000);
});
