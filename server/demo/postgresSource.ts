/**
 * The ecommerce OLTP source on a real PostgreSQL, for a `dev` environment: copies the demo warehouse's
 * `ecomm_src` tables (seeded deterministically, dates relative to today) into a PostgreSQL schema, so
 * the ecommerce runbook's source checks run against PostgreSQL exactly as they do on demo.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { seedDemoWarehouse } from './warehouse';

const SCHEMA = 'ecomm_src';

/** DuckDB column types as PostgreSQL types (the ones the seed uses). */
function pgType(duckType: string): string {
  const t = duckType.toUpperCase();
  if (t.startsWith('DECIMAL')) return t.replace('DECIMAL', 'numeric');
  const map: Record<string, string> = { BIGINT: 'bigint', INTEGER: 'integer', SMALLINT: 'smallint', DOUBLE: 'double precision', FLOAT: 'real', VARCHAR: 'text', BOOLEAN: 'boolean', DATE: 'date', TIMESTAMP: 'timestamp', 'TIMESTAMP WITH TIME ZONE': 'timestamptz' };
  const found = map[t];
  if (!found) throw new Error(`No PostgreSQL type for DuckDB ${duckType}; extend pgType().`);
  return found;
}

export async function seedPostgresSource(pgUrl: string, log: (m: string) => void = () => undefined): Promise<{ tables: number; rows: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-pgsource-'));
  const file = path.join(dir, 'demo.duckdb');
  // A private seed: the server may hold the demo warehouse's lock, and the copy must be today's data.
  await seedDemoWarehouse(file);
  const duck = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const dc = await duck.connect();
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  let rows = 0;
  try {
    const tables = (await dc.runAndReadAll(`select table_name from information_schema.tables where table_schema = '${SCHEMA}' order by 1`)).getRowsJS().map((r) => String(r[0]));
    await client.query('begin');
    await client.query(`drop schema if exists ${SCHEMA} cascade`);
    await client.query(`create schema ${SCHEMA}`);
    for (const table of tables) {
      const cols = (await dc.runAndReadAll(`select column_name, data_type from information_schema.columns where table_schema = '${SCHEMA}' and table_name = '${table}' order by ordinal_position`)).getRowsJS().map((r) => ({ name: String(r[0]), type: pgType(String(r[1])) }));
      await client.query(`create table ${SCHEMA}.${table} (${cols.map((c) => `${c.name} ${c.type}`).join(', ')})`);
      // Text in, PostgreSQL casts: the JSON converter gives dates, timestamps and decimals as text.
      const data = (await dc.runAndReadAll(`select * from ${SCHEMA}.${table}`)).getRowsJson();
      const per = Math.max(1, Math.floor(60_000 / cols.length));
      for (let i = 0; i < data.length; i += per) {
        const batch = data.slice(i, i + per);
        const values: unknown[] = [];
        const tuples = batch.map((row) => `(${row.map((v) => (values.push(v), `$${values.length}`)).join(', ')})`);
        await client.query(`insert into ${SCHEMA}.${table} values ${tuples.join(', ')}`, values);
      }
      rows += data.length;
      log(`${SCHEMA}.${table}: ${data.length} rows`);
    }
    await client.query('commit');
    return { tables: tables.length, rows };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
    dc.closeSync();
    duck.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The read role the dev example connects as (examples/postgres-read-role.sql, without a password for loopback trust auth). */
export const DEV_READ_ROLE = 'opsbook_read';

/** Creates (or repairs) the dev read role: login, no privileges beyond SELECT on ecomm_src, read-only sessions. */
export async function ensureReadRole(pgUrl: string, role = DEV_READ_ROLE): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    const exists = (await client.query('select 1 from pg_roles where rolname = $1', [role])).rowCount;
    if (!exists) await client.query(`create role ${role} login`);
    await client.query(`alter role ${role} with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls`);
    await client.query(`alter role ${role} set default_transaction_read_only = on`);
    await client.query(`grant usage on schema ${SCHEMA} to ${role}`);
    await client.query(`grant select on all tables in schema ${SCHEMA} to ${role}`);
  } finally {
    await client.end();
  }
}
