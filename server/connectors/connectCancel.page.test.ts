/**
 * The page's Cancel on a run still connecting, through the real server in process: for SQL Server and
 * Oracle (real drivers) and PostgreSQL (a real pg pool), the database accepts the TCP connection and never
 * answers, with connect timeouts far longer than the test may take; Cancel ends the run with a `done`
 * that says `cancelled` and that nothing ran, and the engine's next run gets its own answer (here: the
 * same silent peer, cancelled again), so nothing is left stuck in the pool or the registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../protocol';
import { startHarness, type Harness, type TestClient } from '../testing/harness';
import { misbehavingPorts } from '../testing/loopbackPorts';

const ports = misbehavingPorts();
let h: Harness;
let client: TestClient;
const silent: Record<string, number> = {};

beforeAll(async () => {
  for (const engine of ['mssql', 'ora', 'pg']) silent[engine] = await ports.listener('silent');
  h = await startHarness({
    setupSql: 'select 1',
    snippets: {
      'rb/mssql': { text: 'select 1 as one', target: 'mssql' },
      'rb/ora': { text: 'select 1 as one from dual', target: 'ora' },
      'rb/pg': { text: 'select 1 as one', target: 'pg' },
    },
    demoConnections:
      `      mssql: {kind: sqlserver, server: 127.0.0.1, port: ${silent.mssql}, database: ops, connectTimeoutMs: 120000, encrypt: false, read: {user: ops, password: pw}}\n` +
      `      ora: {kind: oracle, connectString: "127.0.0.1:${silent.ora}/FREEPDB1", connectTimeoutMs: 120000, read: {user: ops, password: pw}}\n` +
      `      pg: {kind: postgres, url: "postgres://ops:pw@127.0.0.1:${silent.pg}/ops"}\n`,
  });
  client = await h.connect();
});
afterAll(async () => {
  await client?.close();
  await h?.close();
  await ports.closeAll();
});

let n = 0;
async function cancelWhileConnecting(engine: string, times: number): Promise<void> {
  const id = `${engine}-${++n}`;
  client.send({ type: 'run', id, snippet: `rb/${engine}`, sha256: h.manifest.snippets[`rb/${engine}`]!.sha256, env: 'demo', params: {} });
  await client.waitFor((m): m is ServerMessage => m.type === 'accepted' && m.id === id, 60_000);
  await expect.poll(() => ports.connections(silent[engine]!).accepted, { timeout: 60_000 }).toBeGreaterThanOrEqual(times);
  client.send({ type: 'cancel', id });
  // The message tells the cancel apart from a connect timeout (which would say `unavailable`).
  const done = await client.done(id, 60_000);
  expect(done).toMatchObject({ status: 'cancelled', error: { code: 'cancelled', message: expect.stringMatching(/^The run was cancelled while it waited for a (PostgreSQL )?connection/) } });
}

describe('Cancel on a run still connecting', () => {
  for (const engine of ['mssql', 'ora', 'pg']) {
    it(`${engine}: ends the run cancelled, and so does the next one`, async () => {
      await cancelWhileConnecting(engine, 1);
      // PostgreSQL's pool opens a connection per waiting run; mssql and node-oracledb open one at a time,
      // so the next run waits on the attempt already under way.
      await cancelWhileConnecting(engine, engine === 'pg' ? 2 : 1);
    });
  }
});
