/**
 * PostgreSQL for integration tests: 127.0.0.1:5432 by default (PG* variables elsewhere). When the server
 * is absent, suites skip with the reason printed — unless OPSBOOK_REQUIRE_SERVICES=1 (CI), which fails.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function postgresUrl(): string {
  if (process.env.OPSBOOK_TEST_PG_URL) return process.env.OPSBOOK_TEST_PG_URL;
  const host = process.env.PGHOST ?? '127.0.0.1';
  const port = process.env.PGPORT ?? '5432';
  const user = process.env.PGUSER ?? 'postgres';
  const password = process.env.PGPASSWORD ? `:${encodeURIComponent(process.env.PGPASSWORD)}` : '';
  const db = process.env.PGDATABASE ?? 'test';
  return `postgres://${user}${password}@${host}:${port}/${db}`;
}

/** The test server's URL with an application name, so a test can find (and terminate) its own backends. */
export function postgresUrlFor(applicationName: string): string {
  const url = new URL(postgresUrl());
  url.searchParams.set('application_name', applicationName);
  return url.toString();
}

/** Resolves to null when PostgreSQL answers, else the reason it does not. */
export async function postgresUnavailable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: postgresUrl(), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    const reason = `PostgreSQL at ${postgresUrl().replace(/:[^:@/]*@/, '@')} is not reachable (${(error as Error).message})`;
    if (process.env.OPSBOOK_REQUIRE_SERVICES === '1') throw new Error(`${reason}; OPSBOOK_REQUIRE_SERVICES=1 requires it.`);
    console.warn(`skipping PostgreSQL tests: ${reason}`);
    return reason;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A unique schema name per test run, so parallel runs never share state. */
export function scratchSchema(prefix = 'opsbook_test'): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
}
