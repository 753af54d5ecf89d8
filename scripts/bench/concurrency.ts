/**
 * 50 pages at once (issue 14): each of 50 sockets runs the same 10,000-row × 4-column query at the same
 * moment; the time each takes from `run` to `done` (every frame decoded, as a page does), against the same
 * query on one socket alone. Rounds alternate alone / 50 at once after a warm-up, so load from elsewhere on
 * the machine hits both; the figure is the p95 of all concurrent runs against the median of the lone ones.
 * Pages offer binary rows (server/frames.ts), as the site's pages do. `npm run bench -- --concurrency`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { DuckDBInstance } from '@duckdb/node-api';
import { ROWS_MSGPACK_SUBPROTOCOL, unpackFrame } from '../../server/frames';
import type { ServerMessage } from '../../server/protocol';
import { startBenchServer, type BenchServer } from './serverProcess';
import type { BenchRow } from './stream';

const CLIENTS = 50;
const ROWS = 10_000;
const QUERY = `select i as id, i * 2.5 as amount, 'label_' || i as label, date '2026-01-01' + (i % 365)::int as day from range(${ROWS}) t(i)`;

function open(server: BenchServer): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.wsUrl, [ROWS_MSGPACK_SUBPROTOCOL], { origin: server.url });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

let seq = 0;
/** Milliseconds from `run` to `done`, all rows received. */
function timed(ws: WebSocket, server: BenchServer): Promise<number> {
  const id = `k${++seq}`;
  const t0 = performance.now();
  let rows = 0;
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer, isBinary: boolean) => {
      const m = (isBinary ? unpackFrame(data) : JSON.parse(data.toString())) as ServerMessage;
      if (!('id' in m) || m.id !== id) return;
      if (m.type === 'rows') rows += m.rows.length;
      if (m.type !== 'done') return;
      ws.off('message', onMessage);
      if (m.status !== 'succeeded' || rows !== ROWS) reject(new Error(`concurrent run: ${m.status}, ${rows} rows ${JSON.stringify(m.error ?? '')}`));
      else resolve(performance.now() - t0);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'run', id, snippet: 'bench/10k', sha256: server.manifest.snippets['bench/10k']!.sha256, env: 'demo', params: {} }));
  });
}

const pct = (xs: readonly number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

export async function measureConcurrency(o: { rounds: number; port: number; log?: (m: string) => void }): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-concurrency-'));
  const dbFile = path.join(dir, 'bench.duckdb');
  (await DuckDBInstance.create(dbFile)).closeSync();
  // 50 pages of one bench user: the per-user limit on concurrent runs is lifted, not the measurement's subject.
  const server = await startBenchServer({ dbFile, port: o.port, rowCap: ROWS, snippets: { 'bench/10k': { text: QUERY } }, limits: { runsPerUser: 64, socketMessagesPerWindow: 1_000_000 } });
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < CLIENTS; i++) sockets.push(await open(server));
    const alone: number[] = [];
    const together: number[] = [];
    for (let round = 0; round <= o.rounds; round++) {
      const a = [];
      for (let i = 0; i < 5; i++) a.push(await timed(sockets[0]!, server));
      const t = await Promise.all(sockets.map((ws) => timed(ws, server)));
      if (round > 0) {
        alone.push(...a);
        together.push(...t);
      }
      o.log?.(`bench --concurrency: round ${round}${round ? '' : ' (warm-up)'} of ${o.rounds} done`);
    }
    const one = pct(alone, 50);
    const p95 = pct(together, 95);
    return [
      [`${ROWS.toLocaleString('en')} rows × 4, one page alone: run → done (p50 / p95, ${alone.length} runs)`, `${one.toFixed(1)} ms / ${pct(alone, 95).toFixed(1)} ms`, 'reported', true],
      [`${ROWS.toLocaleString('en')} rows × 4, ${CLIENTS} pages at once: run → done (p50 / p95, ${together.length} runs)`, `${pct(together, 50).toFixed(1)} ms / ${p95.toFixed(1)} ms (p95 = ${(p95 / one).toFixed(1)} × one page's p50; slowest ${Math.max(...together).toFixed(0)} ms)`, 'reported', true],
    ];
  } finally {
    for (const ws of sockets) ws.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
