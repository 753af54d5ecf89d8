import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from './config';
import { checkConnections, checkReadProfiles, configWarnings, formatChecks } from './checkConfig';
import { postgresUnavailable, postgresUrl } from './testing/postgres';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-check-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('--check-config', () => {
  it('tries every profile and reports each, failures with the reason', async () => {
    const config = parseConfig(
      `environments:
  demo:
    connections:
      warehouse: {kind: duckdb, path: w.duckdb}
  dev:
    connections:
      source: {kind: postgres, url: "${postgresUrl()}", write: {url: "postgres://nobody@127.0.0.1:1/none"}}
`,
      'check.yaml',
    );
    const results = await checkConnections(config, dir);
    expect(results.map((r) => [r.env, r.connection, r.profile, r.ok])).toEqual([
      ['demo', 'warehouse', 'read', true],
      ['demo', 'warehouse', 'write', true],
      ['dev', 'source', 'read', expect.any(Boolean)],
      ['dev', 'source', 'write', false],
    ]);
    expect(results[3]!.detail).toMatch(/Cannot connect to PostgreSQL/);
    const text = formatChecks(results, path.join(dir, 'check.yaml'), dir);
    expect(text).toMatch(/^Configuration check\.yaml is valid\./);
    expect(text).toMatch(/FAIL\s+dev\s+source\s+postgres\s+write/);
    expect(text).toMatch(/profiles failed\.$/);
  });
});

describe('--check-config on the public address', () => {
  const env = `environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: w.duckdb}\n`;
  const proxy = 'auth: {mode: proxy, trustedProxies: [10.0.0.0/8], roleMap: {ops: [service-team]}}\n';
  const oidc = 'auth: {mode: oidc, issuer: "https://login.example.com", audience: opsbook, roleMap: {ops: [service-team]}}\n';

  it.each([['proxy', proxy], ['oidc', oidc]])('warns when auth mode is %s and server.publicOrigins is not set, and says how to fix it', (mode, auth) => {
    const warnings = configWarnings(parseConfig(`${env}${auth}`, 'check.yaml'));
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`auth mode is ${mode} but server.publicOrigins is not set.*only from this server's own localhost origins.*Fix: set server.publicOrigins`))]);
    const text = formatChecks([], path.join(dir, 'check.yaml'), dir, warnings);
    expect(text.split('\n').slice(0, 3)).toEqual(['Configuration check.yaml is valid.', '', warnings[0]]);
  });

  it('says nothing once publicOrigins is set, nor in demo mode where the page is served from localhost', () => {
    expect(configWarnings(parseConfig(`${env}${proxy}server: {publicOrigins: ["https://opsbook.internal"]}\n`, 'check.yaml'))).toEqual([]);
    expect(configWarnings(parseConfig(env, 'check.yaml'))).toEqual([]);
  });
});

describe('--check-config on PostgreSQL read profiles', () => {
  const role = `opsbook_reader_${Math.random().toString(16).slice(2, 10)}`;
  let skip: string | null = null;
  let superuser = false;
  beforeAll(async () => {
    skip = await postgresUnavailable();
    if (skip) return;
    const admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
    superuser = (await admin.query('select rolsuper from pg_roles where rolname = current_user')).rows[0]?.rolsuper === true;
    await admin.query(`create role ${role} login`);
    await admin.end();
  });
  afterAll(async () => {
    if (skip) return;
    const admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  });

  function configWith(url: string, production: boolean) {
    return parseConfig(`environments:\n  prod:\n    production: ${production}\n    connections:\n      source: {kind: postgres, url: "${url}"}\nauth: {mode: proxy, trustedProxies: [127.0.0.1/32], roleMap: {ops: [service-team]}}\n`, 'check.yaml');
  }
  function asRole(name: string): string {
    const url = new URL(postgresUrl());
    url.username = name;
    url.password = '';
    return url.toString();
  }

  it('refuses a superuser read profile for a production environment, and says how to fix it', async (ctx) => {
    if (skip) return ctx.skip();
    if (!superuser) return ctx.skip(); // the test database's own user is not a superuser here
    const [result] = await checkConnections(configWith(postgresUrl(), true), dir);
    expect(result).toMatchObject({ ok: false, detail: expect.stringMatching(/refused for a production environment: the read profile's role \w+ is a superuser.*examples\/postgres-read-role\.sql/) });
    await expect(checkReadProfiles(configWith(postgresUrl(), true), dir, () => undefined)).rejects.toThrow(/prod\/source: refused/);
  });

  it('warns, without failing, for the same role outside production', async (ctx) => {
    if (skip || !superuser) return ctx.skip();
    const [result] = await checkConnections(configWith(postgresUrl(), false), dir);
    expect(result!.ok).toBe(true);
    const warnings: string[] = [];
    await checkReadProfiles(configWith(postgresUrl(), false), dir, (m) => warnings.push(m));
    expect(warnings).toEqual([expect.stringMatching(/^prod\/source: WARNING: the read profile's role \w+ is a superuser/)]);
  });

  it('accepts a dedicated reader, and refuses it once it may run programs on the server', async (ctx) => {
    if (skip) return ctx.skip();
    const [plain] = await checkConnections(configWith(asRole(role), true), dir);
    expect(plain).toMatchObject({ ok: true, detail: 'select 1 ok' });
    const admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
    await admin.query(`grant pg_execute_server_program to ${role}`);
    try {
      const [granted] = await checkConnections(configWith(asRole(role), true), dir);
      expect(granted).toMatchObject({ ok: false, detail: expect.stringMatching(/member of pg_execute_server_program/) });
    } finally {
      await admin.query(`revoke pg_execute_server_program from ${role}`);
      await admin.end();
    }
  });
});
