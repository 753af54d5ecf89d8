/** The sandbox on a loopback port over a copy of the seeded warehouse, as the sandbox tests use it. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { parseConfig } from '../../../config';
import { createConnectorRegistry } from '../../../connectors/registry';
import { createAirflowClient } from '../../../connectors/airflow/index';
import type { AirflowClient } from '../../../connectors/airflow/types';
import { createSandbox, type Sandbox } from '../index';
import { seededWarehouseCopy } from './seeded';

export interface ServedSandbox {
  readonly url: string;
  readonly sandbox: Sandbox;
  client(api: 'v1' | 'v2'): AirflowClient;
  /** Direct SQL on the warehouse the sandbox writes to. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function serveSandbox(options: { timeScale?: number; tokenTtlSeconds?: number } = {}): Promise<ServedSandbox> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-sandbox-'));
  const file = path.join(dir, 'warehouse.duckdb');
  await seededWarehouseCopy(file);
  const config = parseConfig(`environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: ${JSON.stringify(file)}}\n`, 'test.yaml');
  const connectors = createConnectorRegistry(config, dir);
  const sandbox = createSandbox({ connectors, env: 'demo', timeScale: options.timeScale ?? 0.02, tokenTtlSeconds: options.tokenTtlSeconds ?? 3600, log: () => undefined });
  const app = express();
  app.use('/demo/airflow', sandbox.router);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/demo/airflow`;
  const clients: AirflowClient[] = [];
  return {
    url,
    sandbox,
    client(api) {
      const c = createAirflowClient({ url, api, auth: sandbox.credentials, retries: 1, backoffMs: 10 });
      clients.push(c);
      return c;
    },
    query: (sql) => sandbox.core.warehouse.query(sql),
    async close() {
      for (const c of clients) c.close();
      sandbox.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await connectors.closeAll();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until the run has ended. */
export async function waitForRun(client: AirflowClient, dagId: string, runId: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await client.getRun(dagId, runId);
    if (run.state === 'success' || run.state === 'failed') return run.state;
    if (Date.now() > deadline) throw new Error(`run ${runId} of ${dagId} still ${run.state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
