/**
 * With `audit.store: postgres` the HTTP limits hold across instances: two servers on one PostgreSQL share a
 * user's budget. Real PostgreSQL (skipped with the reason printed when absent), a schema of its own.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema } from '../testing/postgres';
import { errorMiddleware } from './errors';
import { httpRateLimits, type HttpRateLimits } from './rateLimit';

const unavailable = await postgresUnavailable();
const schema = scratchSchema('opsbook_ratelimit');
const instances: { server: http.Server; limits: HttpRateLimits; url: string }[] = [];

/** One "instance": the limiter after a stand-in for authentication that trusts a test header. */
async function instance(): Promise<(typeof instances)[number]> {
  const config = parseConfig(
    `environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: x.duckdb}\naudit: {store: postgres, url: "${postgresUrl()}", schema: ${schema}}\nlimits: {httpRequestsPerWindow: 4, httpExpensivePerWindow: 2, httpWindowSeconds: 3600}\n`,
    'x.yaml',
  );
  const limits = httpRateLimits(config);
  await limits.ready();
  const app = express();
  app.use('/api', (req, res, next) => {
    res.locals.identity = { user: req.get('x-user') ?? 'nobody', displayName: 'x', roles: [] };
    next();
  });
  app.use('/api', limits.perUser);
  app.get('/api/{*rest}', (_req, res) => void res.json({ ok: true }));
  app.use(errorMiddleware(() => undefined));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const made = { server, limits, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  instances.push(made);
  return made;
}

describe('HTTP rate limits on PostgreSQL', () => {
  // Skipped only when PostgreSQL does not answer — with that reason in the report (CI requires it and fails instead).
  beforeEach((ctx) => {
    if (unavailable) ctx.skip(unavailable);
  });
  beforeAll(async () => {
    if (unavailable) return;
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    await client.query(`create schema "${schema}"`);
    await client.end();
  });
  afterAll(async () => {
    if (unavailable) return;
    for (const i of instances) {
      await new Promise((r) => i.server.close(r));
      await i.limits.close();
    }
    await dropSchema(schema);
  });

  it("share one user's budget across two instances", async () => {
    const [a, b] = [await instance(), await instance()];
    const get = (i: { url: string }, path: string, user = 'dana') => fetch(`${i.url}${path}`, { headers: { 'x-user': user } });
    expect((await get(a, '/api/me')).status).toBe(200);
    expect((await get(b, '/api/me')).status).toBe(200);
    expect((await get(a, '/api/me')).status).toBe(200);
    expect((await get(b, '/api/me')).status).toBe(200);
    const refused = await get(a, '/api/me');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await get(b, '/api/me', 'imani')).status).toBe(200);
    // The tighter budget for exports is shared too.
    expect([(await get(a, '/api/audit.csv', 'alex')).status, (await get(b, '/api/audit.csv', 'alex')).status, (await get(a, '/api/audit.csv', 'alex')).status]).toEqual([200, 200, 429]);
  });

  it('exempts /api/health', async () => {
    const a = instances[0]!;
    for (let i = 0; i < 6; i++) expect((await fetch(`${a.url}/api/health`, { headers: { 'x-user': 'dana' } })).status).toBe(200);
  });
});
