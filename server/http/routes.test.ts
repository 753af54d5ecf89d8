import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TestClient, type Harness } from '../testing/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ setupSql: 'select 1', snippets: { 'rb/a': { text: 'select 1' } } });
});
afterAll(async () => h?.close());

describe('the HTTP API', () => {
  it('reports health with the manifest size and hash and the environments', async () => {
    const res = await fetch(`${h.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', manifest: { snippets: 1, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }, environments: ['demo', 'prod'] });
  });

  it('lists environments with labels, production flags and connection kinds, never connection settings', async () => {
    const { body } = (await h.api('GET', '/api/environments')) as { body: { environments: unknown[]; default: string } };
    expect(body.default).toBe('demo');
    expect(body.environments).toEqual([
      { name: 'demo', label: 'Demo', production: false, connections: [{ name: 'warehouse', kind: 'duckdb', dialect: 'duckdb' }] },
      { name: 'prod', label: 'Production', production: true, connections: [{ name: 'warehouse', kind: 'duckdb', dialect: 'duckdb' }] },
    ]);
    expect(JSON.stringify(body)).not.toContain('.duckdb');
  });

  it('says who is signed in', async () => {
    const { body } = await h.api('GET', '/api/me');
    expect(body).toMatchObject({ user: 'dana.operator', roles: ['service-team'], authMode: 'proxy' });
  });

  it('answers an unknown API route with a JSON 404', async () => {
    const res = await h.api('GET', '/api/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'No API route GET /api/nope.' } });
  });

  it('refuses an upgrade on another path', async () => {
    await expect(TestClient.open(h.wsUrl.replace('/api/ws', '/api/other'), h.url)).rejects.toThrow(/HTTP 400/);
  });
});
