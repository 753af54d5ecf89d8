/**
 * Results through the socket against the driver alone, measured fairly (issue 14): both paths in one run,
 * a warm-up round thrown away, then rounds in which every path runs once in turn (the order rotates each
 * round), so JIT, caches and the load of whatever else runs on the machine hit all of them alike. Reports
 * medians with min–max of rows/s and of time to first row, per path:
 *  - DuckDB driver: `@duckdb/node-api` streaming chunks with the server's JSON-safe conversion;
 *  - PostgreSQL driver: `pg` with a cursor (the server's batch size and type parsers);
 *  - the socket with JSON text rows (an older page) and with binary MessagePack rows (server/frames.ts),
 *    the client decoding every frame as a page would.
 * `npm run bench -- --stream [--rounds=N] [--rows=N]`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { DuckDBInstance } from '@duckdb/node-api';
import { chunkRows } from '../../server/connectors/duckdb/values';
import { cursorBatchRows } from '../../server/connectors/postgres/index';
import { ROWS_MSGPACK_SUBPROTOCOL, unpackFrame } from '../../server/frames';
import { postgresUnavailable, postgresUrl } from '../../server/testing/postgres';
import type { ServerMessage } from '../../server/protocol';
import { startBenchServer, type BenchServer } from './serverProcess';

export type BenchRow = [what: string, figure: string, budget: string, ok: boolean];

const duckQuery = (n: number) => `select i as id, i * 2.5 as amount, 'label_' || i as label, date '2026-01-01' + (i % 365)::int as day from range(${n}) t(i)`;
const pgQuery = (n: number) => `select i as id, i * 2.5 as amount, 'label_' || i as label, date '2026-01-01' + (i % 365) as day from generate_series(1, ${n}) as t(i)`;
/** The server's cursor batch for these four columns (server/connectors/postgres/index.ts): the driver reads the same. */
const PG_BATCH = cursorBatchRows(4);

interface Sample {
  readonly firstRowMs: number;
  readonly rowsPerSecond: number;
  /**
   * CPU time the path spent, every thread of the processes it runs in: the driver's process; the server's plus
   * the client's for the socket. Less sensitive than wall time to what else runs on a shared machine (another
   * process taking a core stretches wall time, not the CPU a row costs). The database server's own CPU is the
   * same for both paths and is not counted.
   */
  readonly cpuMs: number;
}

/** This process's CPU time so far, in ms. */
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Another process's CPU time so far, in ms (Linux /proc; clock ticks of 10 ms). */
const processCpuMs = (pid: number) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1000 / 100);
};

interface Path {
  readonly name: string;
  readonly engine: 'duckdb' | 'postgres';
  readonly kind: 'driver' | 'socket';
  run(): Promise<Sample>;
}

function sample(t0: number, firstAt: number, rows: number, expected: number, name: string, cpuMs: number): Sample {
  if (rows !== expected) throw new Error(`${name}: expected ${expected} rows, got ${rows}`);
  return { firstRowMs: firstAt - t0, rowsPerSecond: rows / ((performance.now() - t0) / 1000), cpuMs };
}

function duckDriver(instance: DuckDBInstance, n: number): Path {
  return {
    name: 'DuckDB driver (node-api, chunks)',
    engine: 'duckdb',
    kind: 'driver',
    async run() {
      const c = await instance.connect();
      const cpu0 = ownCpuMs();
      const t0 = performance.now();
      let first = 0;
      let rows = 0;
      const result = await c.stream(duckQuery(n));
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        rows += chunkRows(chunk).length; // the same JSON-safe conversion the server does
        if (!first) first = performance.now();
      }
      c.closeSync();
      return sample(t0, first, rows, n, this.name, ownCpuMs() - cpu0);
    },
  };
}

async function pgDriver(url: string, n: number): Promise<{ path: Path; close: () => Promise<void> }> {
  const { default: pg } = await import('pg');
  const { default: Cursor } = await import('pg-cursor');
  const { jsonSafe, jsonSafeTypes } = await import('../../server/connectors/postgres/types');
  const client = new pg.Client({ connectionString: url, types: jsonSafeTypes });
  await client.connect();
  const path: Path = {
    name: `PostgreSQL driver (pg, cursor of ${PG_BATCH})`,
    engine: 'postgres',
    kind: 'driver',
    async run() {
      const cpu0 = ownCpuMs();
      const t0 = performance.now();
      let first = 0;
      let rows = 0;
      const cursor = client.query(new Cursor(pgQuery(n), [], { rowMode: 'array' }));
      for (;;) {
        const batch = (await cursor.read(PG_BATCH)) as unknown[][];
        if (batch.length === 0) break;
        rows += batch.map((r) => r.map(jsonSafe)).length;
        if (!first) first = performance.now();
      }
      await cursor.close();
      return sample(t0, first, rows, n, this.name, ownCpuMs() - cpu0);
    },
  };
  return { path, close: () => client.end() };
}

function openSocket(server: BenchServer, binary: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.wsUrl, binary ? [ROWS_MSGPACK_SUBPROTOCOL] : [], { origin: server.url });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

let seq = 0;
function socketPath(ws: WebSocket, server: BenchServer, snippet: string, engine: Path['engine'], n: number): Path {
  const binary = ws.protocol === ROWS_MSGPACK_SUBPROTOCOL;
  return {
    name: `${engine === 'duckdb' ? 'DuckDB' : 'PostgreSQL'} via socket, ${binary ? 'MessagePack' : 'JSON'} rows`,
    engine,
    kind: 'socket',
    run() {
      const id = `s${++seq}`;
      const cpu0 = ownCpuMs();
      const serverCpu0 = processCpuMs(server.pid);
      const t0 = performance.now();
      let first = 0;
      let rows = 0;
      return new Promise((resolve, reject) => {
        const onMessage = (data: Buffer, isBinary: boolean) => {
          // Every frame decoded, as the page does: the client's share of the cost is part of the path.
          const m = (isBinary ? unpackFrame(data) : JSON.parse(data.toString())) as ServerMessage;
          if (!('id' in m) || m.id !== id) return;
          if (m.type === 'rows') {
            rows += m.rows.length;
            if (!first) first = performance.now();
          }
          if (m.type !== 'done') return;
          ws.off('message', onMessage);
          if (m.status !== 'succeeded') return reject(new Error(`${snippet}: ${m.status} ${JSON.stringify(m.error)}`));
          try {
            resolve(sample(t0, first, rows, n, this.name, ownCpuMs() - cpu0 + processCpuMs(server.pid) - serverCpu0));
          } catch (e) {
            reject(e as Error);
          }
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ type: 'run', id, snippet, sha256: server.manifest.snippets[snippet]!.sha256, env: 'demo', params: {} }));
      });
    },
  };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const fmtRate = (x: number) => Math.round(x).toLocaleString('en');

export async function measureStreams(o: { rounds: number; rows: number; port: number; log?: (m: string) => void }): Promise<BenchRow[]> {
  const log = o.log ?? (() => undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-stream-'));
  const pgUrl = (await postgresUnavailable()) === null ? postgresUrl() : null;
  // The driver runs an in-memory DuckDB (the query reads no table), so both processes need no file lock.
  const duck = await DuckDBInstance.create(':memory:');
  const pgd = pgUrl ? await pgDriver(pgUrl, o.rows) : null;
  const dbFile = path.join(dir, 'bench.duckdb');
  (await DuckDBInstance.create(dbFile)).closeSync(); // the server's warehouse: it must exist, it stays empty
  const server = await startBenchServer({
    dbFile,
    port: o.port,
    rowCap: o.rows,
    snippets: { 'bench/duck': { text: duckQuery(o.rows) }, ...(pgUrl ? { 'bench/pg': { text: pgQuery(o.rows), target: 'pg' } } : {}) },
    ...(pgUrl ? { postgresUrl: pgUrl } : {}),
    limits: { socketMessagesPerWindow: 1_000_000 },
    keepResults: false,
  });
  const sockets: WebSocket[] = [];
  try {
    const json = await openSocket(server, false);
    const msgpack = await openSocket(server, true);
    sockets.push(json, msgpack);
    if (msgpack.protocol !== ROWS_MSGPACK_SUBPROTOCOL) throw new Error('the server did not choose the MessagePack subprotocol');
    const paths: Path[] = [
      duckDriver(duck, o.rows),
      socketPath(json, server, 'bench/duck', 'duckdb', o.rows),
      socketPath(msgpack, server, 'bench/duck', 'duckdb', o.rows),
      ...(pgd ? [pgd.path, socketPath(json, server, 'bench/pg', 'postgres', o.rows), socketPath(msgpack, server, 'bench/pg', 'postgres', o.rows)] : []),
    ];
    if (!pgd) log('bench --stream: PostgreSQL skipped: no server at 127.0.0.1:5432 (PG* variables elsewhere).');
    const samples = new Map<Path, Sample[]>(paths.map((p) => [p, []]));
    for (let round = 0; round <= o.rounds; round++) {
      // Rotate the order so no path always runs first (after a pause) or last (after the heaviest).
      const order = paths.map((_, i) => paths[(i + round) % paths.length]!);
      for (const p of order) {
        const s = await p.run();
        if (round > 0) samples.get(p)!.push(s); // round 0 warms up every path
      }
      log(`bench --stream: round ${round}${round ? '' : ' (warm-up)'} of ${o.rounds} done`);
    }
    const rows: BenchRow[] = [];
    for (const p of paths) {
      const s = samples.get(p)!;
      const rates = s.map((x) => x.rowsPerSecond);
      const firsts = s.map((x) => x.firstRowMs);
      const driver = paths.find((d) => d.engine === p.engine && d.kind === 'driver')!;
      const dRates = samples.get(driver)!.map((x) => x.rowsPerSecond);
      const dFirsts = samples.get(driver)!.map((x) => x.firstRowMs);
      const figure = `${fmtRate(median(rates))} rows/s [${fmtRate(Math.min(...rates))}–${fmtRate(Math.max(...rates))}], first row ${median(firsts).toFixed(1)} ms [${Math.min(...firsts).toFixed(1)}–${Math.max(...firsts).toFixed(1)}]`;
      if (p.kind === 'driver') {
        rows.push([`${p.name}, ${o.rows.toLocaleString('en')} rows × 4 (median of ${s.length})`, figure, 'baseline', true]);
        continue;
      }
      const ratio = median(rates) / median(dRates);
      const firstGap = median(firsts) - median(dFirsts);
      rows.push([`${p.name} (median of ${s.length})`, figure, 'reported', true]);
      rows.push([`  ${p.name}: rows/s against the driver`, `${(ratio * 100).toFixed(0)} % of the driver's median`, '≥ 80 %', ratio >= 0.8]);
      rows.push([`  ${p.name}: time to first row against the driver`, `${firstGap >= 0 ? '+' : ''}${firstGap.toFixed(1)} ms`, '≤ +5 ms', firstGap <= 5]);
      const cpu = median(s.map((x) => x.cpuMs));
      const dCpu = median(samples.get(driver)!.map((x) => x.cpuMs));
      rows.push([`  ${p.name}: CPU (server + client) against the driver's`, `${cpu.toFixed(0)} ms against ${dCpu.toFixed(0)} ms = ${((cpu / dCpu) * 100).toFixed(0)} %`, 'reported', true]);
    }
    return rows;
  } finally {
    for (const ws of sockets) ws.close();
    await server.stop();
    await pgd?.close();
    duck.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
