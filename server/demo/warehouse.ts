/**
 * The demo warehouse (DESIGN.md §8): a DuckDB file seeded from the versioned SQL files in ./seed, applied in
 * name order. The data is deterministic for a given day: the seed derives every date from the variable
 * `today`, so a warehouse seeded today has rows for today's business date, and reseeding the same day gives
 * the same tables.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SeedReport {
  file: string;
  today: string;
  version: string;
  tables: number;
  rows: number;
  elapsedMs: number;
}

interface SeedOptions {
  /** The day the data is relative to, `YYYY-MM-DD`. Default: the local calendar date. */
  today?: string;
  /**
   * The ecommerce pipeline's day, `YYYY-MM-DD`: its data days are ICT calendar days (it runs at 01:00
   * Asia/Bangkok), so from 17:00 UTC its "today" is the next date. Default: `today` when that is given (tests
   * stay deterministic), else the date now in Asia/Bangkok.
   */
  ecommerceToday?: string;
  /** @internal Another seed directory (tests exercise the failure path with a broken copy). */
  seedDir?: string;
}

export interface SeedFile {
  readonly name: string;
  readonly sql: string;
}

/** `server/` may run as CommonJS (tsx) or as ESM (vitest, or a future `"type": "module"`). */
const moduleDir = typeof __dirname === 'string' ? __dirname : path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_SEED_DIR = path.join(moduleDir, 'seed');
const SEED_FILE = /^\d{3}_[a-z0-9_]+\.sql$/;

function readSeedFiles(dir: string): SeedFile[] {
  return fs
    .readdirSync(dir)
    .filter((name) => SEED_FILE.test(name))
    .sort()
    .map((name) => ({ name, sql: fs.readFileSync(path.join(dir, name), 'utf8') }));
}

/** Names and contents both count: renumbering a file changes the order, and so the data. */
function versionOf(files: readonly SeedFile[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.name}\0${f.sql}\0`);
  return hash.digest('hex').slice(0, 16);
}

export const defaultFiles: readonly SeedFile[] = readSeedFiles(DEFAULT_SEED_DIR);
export const DEMO_SEED_VERSION: string = versionOf(defaultFiles);

function localToday(): string {
  const d = new Date();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The ecommerce runbook's time zone (docs/ecommerce, `runbook.timezone`). */
export const ECOMMERCE_ZONE = 'Asia/Bangkok';

/** The calendar date now in an IANA zone, `YYYY-MM-DD`. */
export function dateInZone(zone: string, at: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

function resolveToday(today: string | undefined): string {
  const value = today ?? localToday();
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : null;
  if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value) {
    throw new Error(`Demo seed: today must be a calendar date written YYYY-MM-DD, got "${value}".`);
  }
  return value;
}

/**
 * Splits a seed file into statements, keeping each one's line number for error messages. Running them one
 * by one (rather than the whole file in one `run`) is what lets a failure name its statement. Handles
 * quoted strings and identifiers and both comment styles; seed files must not use dollar quoting.
 */
function splitStatements(sql: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number): void => {
    const text = sql.slice(start, end).trim();
    if (stripComments(text) !== '') out.push({ text, line: lineOfFirstCode(sql, start) });
  };
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === "'" || ch === '"') {
      const close = sql.indexOf(ch, i + 1);
      // A doubled quote is an escaped quote: indexOf lands on the first of the pair and the loop resumes after it.
      i = close === -1 ? sql.length : close + 1;
    } else if (ch === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? sql.length : eol + 1;
    } else if (ch === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? sql.length : close + 2;
    } else if (ch === ';') {
      push(i);
      i += 1;
      start = i;
    } else {
      i += 1;
    }
  }
  push(sql.length);
  return out;
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/--[^\n]*/g, '').trim();
}

function lineOfFirstCode(sql: string, from: number): number {
  const lines = sql.slice(0, from).split('\n').length;
  const rest = sql.slice(from).split('\n');
  const offset = rest.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('--'));
  return lines + Math.max(offset, 0);
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '' && !l.startsWith('--')) ?? ''
  );
}

const LOCK_ERROR = /Could not set lock|Conflicting lock/i;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function lockedError(file: string, cause: unknown): Error {
  const error = new Error(
    `The demo warehouse ${file} is in use by another process (a running \`npm start\`?). Stop it first, then reseed.`,
    { cause },
  );
  error.name = 'DemoWarehouseLockedError';
  return error;
}

/** Runs `use` with a connection to `file` and always closes both the connection and the instance. */
async function withConnection<T>(
  file: string,
  options: Record<string, string>,
  use: (connection: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(file, options);
  try {
    const connection = await instance.connect();
    try {
      return await use(connection);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/**
 * Reseeding renames a new file over the old one; a process that still has the old one open would carry on
 * with stale data (and its WAL), so refuse while another process holds the lock.
 */
async function assertNotLocked(file: string): Promise<void> {
  if (!fs.existsSync(file)) return;
  try {
    await withConnection(file, {}, async () => undefined);
  } catch (error) {
    if (LOCK_ERROR.test(messageOf(error))) throw lockedError(file, error);
    // Anything else (corrupt file, another DuckDB version) is what reseeding is for.
  }
}

function removeDatabaseFiles(file: string): void {
  fs.rmSync(file, { force: true });
  fs.rmSync(`${file}.wal`, { force: true });
}

/**
 * Over a live warehouse, the seed's persisted objects replace the ones there (schemas are kept, tables and views
 * replaced), so a running server rolls its demo forward to a new day in one transaction; temp scaffolding is the
 * connection's own either way.
 */
function replacing(text: string): string {
  return text
    .replace(/^(\s*(?:--[^\n]*\n\s*)*)CREATE SCHEMA (?!IF NOT EXISTS)/i, '$1CREATE SCHEMA IF NOT EXISTS ')
    .replace(/^(\s*(?:--[^\n]*\n\s*)*)CREATE (TABLE|VIEW) /i, '$1CREATE OR REPLACE $2 ');
}

export async function applySeed(
  connection: DuckDBConnection,
  files: readonly SeedFile[],
  today: string,
  ecommerceToday: string,
  version: string,
  mode: 'fresh' | 'replace' = 'fresh',
): Promise<{ tables: number; rows: number }> {
  // Literals, not binds: SET VARIABLE takes a constant expression; both dates were validated above.
  await connection.run(`SET VARIABLE today = DATE '${today}'`);
  await connection.run(`SET VARIABLE ecommerce_today = DATE '${ecommerceToday}'`);
  for (const file of files) {
    for (const statement of splitStatements(file.sql)) {
      try {
        await connection.run(mode === 'replace' ? replacing(statement.text) : statement.text);
      } catch (error) {
        throw new Error(
          `Demo seed ${file.name}:${statement.line} failed at "${firstLine(statement.text)}": ${messageOf(error)}`,
          { cause: error },
        );
      }
    }
  }
  await connection.run(`
    CREATE SCHEMA IF NOT EXISTS opsbook_meta;
    CREATE OR REPLACE TABLE opsbook_meta.seed_info (version VARCHAR NOT NULL, seeded_on DATE NOT NULL, seeded_at TIMESTAMP NOT NULL, ecommerce_on DATE NOT NULL);`);
  // seeded_at is UTC wall-clock time: the one value that differs between two seeds of the same day.
  await connection.run('INSERT INTO opsbook_meta.seed_info VALUES ($version, CAST($today AS DATE), CAST($at AS TIMESTAMP), CAST($ecommerceToday AS DATE))', {
    version,
    today,
    ecommerceToday,
    at: new Date().toISOString().replace('T', ' ').replace('Z', ''),
  });
  // Row counts of freshly written tables are exact in duckdb_tables(); temp tables of the seed are excluded.
  const reader = await connection.runAndReadAll(
    "SELECT count(*)::INTEGER AS tables, coalesce(sum(estimated_size), 0)::BIGINT AS rows FROM duckdb_tables() WHERE NOT temporary",
  );
  const [tables, rows] = reader.getRowsJS()[0] ?? [0, 0];
  // Checkpoint so that closing leaves a single self-contained file to rename (no WAL beside it); a replace
  // runs inside the caller's transaction, which checkpoints once it commits.
  if (mode === 'fresh') await connection.run('CHECKPOINT');
  return { tables: Number(tables), rows: Number(rows) };
}

/** Builds a fresh demo warehouse at `file`: into a temporary file first, renamed over `file` when complete. */
export async function seedDemoWarehouse(file: string, opts: SeedOptions = {}): Promise<SeedReport> {
  const started = performance.now();
  const today = resolveToday(opts.today);
  const ecommerceToday = resolveToday(opts.ecommerceToday ?? (opts.today ? today : dateInZone(ECOMMERCE_ZONE)));
  const files = opts.seedDir ? readSeedFiles(opts.seedDir) : defaultFiles;
  const version = opts.seedDir ? versionOf(files) : DEMO_SEED_VERSION;
  const target = path.resolve(file);
  await assertNotLocked(target);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = `${target}.tmp-${process.pid}`;
  removeDatabaseFiles(temp);
  let counts: { tables: number; rows: number };
  try {
    counts = await withConnection(temp, {}, (connection) => applySeed(connection, files, today, ecommerceToday, version));
  } catch (error) {
    removeDatabaseFiles(temp);
    throw error;
  }
  // The old file's WAL belongs to the old data: replaying it into the new file would corrupt it.
  fs.rmSync(`${target}.wal`, { force: true });
  fs.renameSync(temp, target);
  fs.rmSync(`${temp}.wal`, { force: true });
  return { file: target, today, version, ...counts, elapsedMs: Math.round(performance.now() - started) };
}

type SeedInfo = { version: string; seededOn: string; ecommerceOn: string } | { problem: string };

async function readSeedInfo(file: string): Promise<SeedInfo> {
  try {
    return await withConnection(file, { access_mode: 'READ_ONLY' }, async (connection) => {
      const reader = await connection.runAndReadAll(
        'SELECT version, CAST(seeded_on AS VARCHAR), CAST(ecommerce_on AS VARCHAR) FROM opsbook_meta.seed_info ORDER BY seeded_at DESC LIMIT 1',
      );
      const row = reader.getRowsJS()[0];
      return row ? { version: String(row[0]), seededOn: String(row[1]), ecommerceOn: String(row[2]) } : { problem: 'no seed record' };
    });
  } catch (error) {
    const message = messageOf(error);
    if (LOCK_ERROR.test(message)) throw lockedError(file, error);
    return { problem: message.split('\n')[0] ?? message };
  }
}

/** Seeds when the file is absent, was seeded by another seed version, or on another day (so rolling windows find data). */
export async function ensureDemoWarehouse(
  file: string,
  opts: SeedOptions = {},
): Promise<{ seeded: boolean; reason: string; report?: SeedReport }> {
  const today = resolveToday(opts.today);
  const ecommerceToday = resolveToday(opts.ecommerceToday ?? (opts.today ? today : dateInZone(ECOMMERCE_ZONE)));
  const version = opts.seedDir ? versionOf(readSeedFiles(opts.seedDir)) : DEMO_SEED_VERSION;
  const target = path.resolve(file);
  let reason: string;
  if (!fs.existsSync(target)) {
    reason = 'absent';
  } else {
    const info = await readSeedInfo(target);
    if ('problem' in info) reason = `unreadable (${info.problem})`;
    else if (info.version !== version) reason = `seed version ${info.version} is not the current ${version}`;
    else if (info.seededOn !== today) reason = `seeded on ${info.seededOn}, today is ${today}`;
    else if (info.ecommerceOn !== ecommerceToday) reason = `the ecommerce pipeline's day is now ${ecommerceToday} (${ECOMMERCE_ZONE}), seeded for ${info.ecommerceOn}`;
    else return { seeded: false, reason: `current (seed ${version}, ${today})` };
  }
  const report = await seedDemoWarehouse(target, { ...opts, today, ecommerceToday });
  return { seeded: true, reason, report };
}
