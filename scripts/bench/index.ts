/**
 * npm run bench — the performance budgets of DESIGN.md §11 that this server can measure today:
 *  1. server time to first row, 1-row query, demo warehouse (p50 ≤ 20 ms)
 *  2. 1,000,000 rows × 4 columns through the socket (JSON and MessagePack rows) vs the direct driver,
 *     DuckDB and PostgreSQL, warmed and interleaved, medians of 5 rounds (≥ 80 %, first row ≤ +5 ms; stream.ts)
 *  3. server RSS growth while a slow client reads 1,000,000 rows (≤ 64 MB)
 *  and, when PostgreSQL runs locally, 1 and 2 against it (issue #6);
 *  4. runs that got their `done`, after SIGKILL of the server: % kept in the audit (100 %), per store.
 *  `npm run bench -- --stream [--rounds=N] [--rows=N]` measures only 2; `-- --codec` JSON against MessagePack
 *  for one rows frame, server encode and page decode in Node and Chromium (codec.ts); `-- --concurrency`
 *  50 pages running 10,000 rows at once against one page alone (concurrency.ts); `-- --durability` only 4; `npm run bench -- --health` only the Health page figure.
 *  fairness: another user's 1-row and 10,000-row runs, p50/p95, during a 1,000-frame garbage flood on one socket
 *  (p95 ≤ 2 × without; fairness.ts; `-- --fairness` only this).
 *  terminal: 10 MB of dbt Cloud step log, run → last byte on the socket, nothing dropped (terminal.ts; `-- --terminal`).
 *  browser: click Run → first row painted in Chromium, on the built site (p50 ≤ 250 ms; browser.ts; `-- --browser
 *  [--clicks=N]` only this); skipped without a build. `-- --build [--build-rounds=N]`: cold `docusaurus build` wall
 *  time, nothing cached (≤ 60 s; coldBuild.ts; slow, so only on request), then `--browser` can use that build.
 *  Health page: Run every check on demo, click → last result, in Chromium (reported; health.ts).
 * Prints a table of figures against budgets; exits 1 if a budget is missed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { ensureDemoWarehouse } from '../../server/demo/warehouse';
import { startBenchServer, type BenchServer } from './serverProcess';
import { runsKeptAfterSigkill } from './durability';
import { fairnessRow, measureFairness } from './fairness';
import { healthRow, measureRunEveryCheck } from './health';
import { freePort } from './ports';
import { measureStreams } from './stream';
import { measureCodec } from './codec';
import { measureConcurrency } from './concurrency';
import { browserRow, measureClickToFirstRow } from './browser';
import { measureColdBuild } from './coldBuild';
import { measureTenMegabytesOfLog, terminalRow } from './terminal';
import { postgresUnavailable, postgresUrl } from '../../server/testing/postgres';
import type { ServerMessage } from '../../server/protocol';

const PG_ONE_ROW = 'select 1 as one';
const MILLION = 'select i as id, i * 2.5 as amount, \'label_\' || i as label, date \'2026-01-01\' + (i % 365)::int as day from range(1000000) t(i)';
const ONE_ROW = 'select business_date from etl_control.etl_date_control limit 1';

interface RunResult {
  firstRowMs: number;
  totalMs: number;
  rows: number;
}

function openSocket(server: BenchServer): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.wsUrl, { origin: server.url });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

let seq = 0;
function runOnce(ws: WebSocket, server: BenchServer, key: string, onMessage?: (m: ServerMessage) => Promise<void> | void): Promise<RunResult> {
  const id = `b${++seq}`;
  const t0 = performance.now();
  let firstRowMs = -1;
  let rows = 0;
  return new Promise((resolve, reject) => {
    const handler = async (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      if (!('id' in m) || m.id !== id) return;
      if (m.type === 'rows') {
        if (firstRowMs < 0) firstRowMs = performance.now() - t0;
        rows += m.rows.length;
      }
      if (onMessage) await onMessage(m);
      if (m.type === 'done') {
        ws.off('message', handler);
        if (m.status !== 'succeeded') reject(new Error(`${key}: ${m.status} ${JSON.stringify(m.error)}`));
        else resolve({ firstRowMs, totalMs: performance.now() - t0, rows });
      }
    };
    ws.on('message', handler);
    ws.send(JSON.stringify({ type: 'run', id, snippet: key, sha256: server.manifest.snippets[key]!.sha256, env: 'demo', params: {} }));
  });
}

/** Sends a trigger, times its first `state` message, then stops following (the DAG run goes on). */
function firstStateMs(ws: WebSocket, server: BenchServer, key: string): Promise<number> {
  const id = `a${++seq}`;
  const t0 = performance.now();
  let first = -1;
  return new Promise((resolve, reject) => {
    const handler = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      if (!('id' in m) || m.id !== id) return;
      if (m.type === 'state' && first < 0) {
        first = performance.now() - t0;
        ws.send(JSON.stringify({ type: 'cancel', id }));
      }
      if (m.type === 'done') {
        ws.off('message', handler);
        if (first < 0) reject(new Error(`${key}: ended ${m.status} before any state: ${JSON.stringify(m.error)}`));
        else resolve(first);
      }
    };
    ws.on('message', handler);
    ws.send(JSON.stringify({ type: 'run', id, snippet: key, sha256: server.manifest.snippets[key]!.sha256, env: 'demo', params: {}, confirmed: true }));
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  const rows: [string, string, string, boolean][] = [];
  if (process.argv.includes('--health')) return report(await healthOnly());
  if (process.argv.includes('--build')) {
    // Cold build first: it leaves the site in build/, which the browser figure then uses.
    rows.push(await measureColdBuild(intArg('build-rounds', 1), (m) => console.log(m)));
    if (!process.argv.includes('--browser')) return report(rows);
  }
  if (process.argv.includes('--browser')) return report([...rows, ...(await withDemoWarehouse(browserOnly))]);
  if (process.argv.includes('--terminal')) return report([terminalRow(await measureTenMegabytesOfLog(intArg('rounds', 5)))]);
  if (process.argv.includes('--fairness')) return report(await withDemoWarehouse(async (dbFile) => (await measureFairness(dbFile, await freePort())).map(fairnessRow)));
  if (process.argv.includes('--stream')) return report(await streamsOnly());
  if (process.argv.includes('--codec')) return report(await measureCodec());
  if (process.argv.includes('--concurrency')) {
    const o = await streamOptions();
    return report(await measureConcurrency({ ...o, rounds: Math.max(1, Math.min(o.rounds, 5)) }));
  }
  const pgAvailable = (await postgresUnavailable()) === null;
  for (const url of [null, ...(pgAvailable ? [postgresUrl()] : [])]) {
    const f = await runsKeptAfterSigkill(400, url);
    const pctKept = f.done ? (100 * f.kept) / f.done : 0;
    rows.push([`${f.store} audit: runs that got their done, after SIGKILL (${f.done} runs)`, `${pctKept.toFixed(1)} % (${f.kept} of ${f.done})`, '100 %', f.kept === f.done && f.done > 0]);
  }
  if (process.argv.includes('--durability')) return report(rows);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-db-'));
  const dbFile = path.join(dir, 'demo.duckdb');
  await ensureDemoWarehouse(dbFile);

  const pgUrl = (await postgresUnavailable()) === null ? postgresUrl() : null;
  const server = await startBenchServer({
    dbFile,
    port: await freePort(),
    rowCap: 1_000_000,
    snippets: {
      'bench/one-row': { text: ONE_ROW },
      'bench/af-trigger': { text: 'dags trigger airflow_variable_sync', lang: 'airflow', target: 'airflow', mode: 'write' },
      'bench/million': { text: MILLION },
      ...(pgUrl ? { 'bench/pg-one-row': { text: PG_ONE_ROW, target: 'pg' } } : {}),
    },
    ...(pgUrl ? { postgresUrl: pgUrl } : {}),
    // The bench client sends hundreds of runs a second on one socket, far past a page's inbound budget.
    limits: { socketMessagesPerWindow: 1_000_000 },
  });
  try {
    const ws = await openSocket(server);
    // 1. time to first row
    for (let i = 0; i < 20; i++) await runOnce(ws, server, 'bench/one-row'); // warm-up
    const firsts: number[] = [];
    for (let i = 0; i < 200; i++) firsts.push((await runOnce(ws, server, 'bench/one-row')).firstRowMs);
    const p50 = pct(firsts, 50);
    rows.push(['time to first row, 1-row query (p50 / p95, 200 runs)', `${p50.toFixed(2)} ms / ${pct(firsts, 95).toFixed(2)} ms`, 'p50 ≤ 20 ms', p50 <= 20]);

    // Airflow (issue #4): Trigger → the first `state` message, through the client and the demo sandbox.
    const afFirsts: number[] = [];
    for (let i = 0; i < 12; i++) afFirsts.push(await firstStateMs(ws, server, 'bench/af-trigger'));
    afFirsts.shift(); // the first trigger warms the client (token, DAG list)
    rows.push(['Airflow (sandbox): Trigger → first state message (p50 / max, 11 runs)', `${pct(afFirsts, 50).toFixed(1)} ms / ${Math.max(...afFirsts).toFixed(1)} ms`, 'reported', true]);

    // PostgreSQL (issue #6): the same two measurements against the local server, when there is one.
    if (pgUrl) {
      for (let i = 0; i < 20; i++) await runOnce(ws, server, 'bench/pg-one-row');
      const pgFirsts: number[] = [];
      for (let i = 0; i < 200; i++) pgFirsts.push((await runOnce(ws, server, 'bench/pg-one-row')).firstRowMs);
      rows.push(['PostgreSQL: time to first row, 1-row query (p50 / p95)', `${pct(pgFirsts, 50).toFixed(2)} ms / ${pct(pgFirsts, 95).toFixed(2)} ms`, 'p50 ≤ 20 ms', pct(pgFirsts, 50) <= 20]);
    } else {
      console.log('bench: PostgreSQL measurements skipped: no server at 127.0.0.1:5432 (PG* variables elsewhere).');
    }
    ws.close();

    // 3. memory with a slow client: it stops reading for 25 ms after every batch
    const slow = await openSocket(server);
    const baseline = server.rssBytes();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, server.rssBytes())), 50);
    const r = await runOnce(slow, server, 'bench/million', async (m) => {
      if (m.type !== 'rows') return;
      slow.pause();
      await new Promise((res) => setTimeout(res, 25));
      slow.resume();
    });
    clearInterval(sampler);
    const growthMb = (peak - baseline) / (1024 * 1024);
    rows.push([
      `server RSS growth, slow client reading 1,000,000 rows (${(r.totalMs / 1000).toFixed(1)} s)`,
      `${growthMb.toFixed(1)} MB (baseline ${(baseline / 1048576).toFixed(0)} MB)`,
      '≤ 64 MB',
      growthMb <= 64,
    ]);
    slow.close();
  } finally {
    await server.stop();
  }
  // 2. the socket against the driver, DuckDB and PostgreSQL, warmed and interleaved (stream.ts).
  rows.push(...(await measureStreams(await streamOptions())));
  rows.push(...(await measureConcurrency({ ...(await streamOptions()), rounds: 5 })));
  try {
    // Fairness under abuse, on a server of its own with the default inbound budgets (fairness.ts).
    rows.push(...(await measureFairness(dbFile, await freePort())).map(fairnessRow));
    rows.push(terminalRow(await measureTenMegabytesOfLog(5)));
    rows.push(...(await browserOnly(dbFile)));
    // Issue 11: every check of every runbook from the Health page, in a browser (health.ts).
    const health = await measureRunEveryCheck(dbFile);
    if (health) rows.push(healthRow(health));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  report(rows);
}

const intArg = (name: string, fallback: number) => Math.max(1, Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback));

/** A freshly seeded demo warehouse for one measurement, removed after it. */
async function withDemoWarehouse<T>(measure: (dbFile: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-db-'));
  try {
    const dbFile = path.join(dir, 'demo.duckdb');
    await ensureDemoWarehouse(dbFile);
    return await measure(dbFile);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `--browser [--clicks=N]`: click Run → first row painted, in Chromium, on the built site (browser.ts). */
async function browserOnly(dbFile: string): Promise<[string, string, string, boolean][]> {
  const r = await measureClickToFirstRow(dbFile, intArg('clicks', 15));
  return r ? [browserRow(r)] : [];
}

/** `--stream [--rounds=N] [--rows=N]`: only the socket against the driver (stream.ts), in a few minutes. */
async function streamOptions(): Promise<Parameters<typeof measureStreams>[0]> {
  const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  // A port the system hands out, not a guessed one: other servers share this machine.
  return { rounds: Math.max(1, arg('rounds', 5)), rows: arg('rows', 1_000_000), port: await freePort(), log: (m) => console.log(m) };
}

async function streamsOnly(): Promise<[string, string, string, boolean][]> {
  return measureStreams(await streamOptions());
}

/** `--health`: a freshly seeded demo warehouse, then only the Health page's "Run every check". */
async function healthOnly(): Promise<[string, string, string, boolean][]> {
  return withDemoWarehouse(async (dbFile) => {
    const health = await measureRunEveryCheck(dbFile);
    return health ? [healthRow(health)] : [];
  });
}

function report(rows: readonly [string, string, string, boolean][]): void {
  console.log(`\nOpsbook bench — ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}\n`);
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [what, figure, budget, ok] of rows) console.log(`${ok ? 'PASS' : 'MISS'}  ${what.padEnd(w)}  ${figure}  (budget ${budget})`);
  process.exitCode = rows.every((r) => r[3]) ? 0 : 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
