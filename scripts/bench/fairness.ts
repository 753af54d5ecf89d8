/**
 * Fairness under abuse (DESIGN.md §11): another user's runs — a 1-row read and a 10,000-row read — p50/p95
 * while one socket floods 1,000 garbage frames, against the same runs without the flood — measured in the same run, after a warm-up,
 * with quiet and flooded rounds interleaved so drift (JIT, caches, the other helpers' load) hits both.
 * The server runs the default inbound budgets, so the victim takes a fresh socket per round (a page sends
 * far fewer than the 100 messages per 10 s one socket may), and a socket per query.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { startBenchServer, type BenchServer } from './serverProcess';
import type { ServerMessage } from '../../server/protocol';
import { percentile as pct } from './stats';

const FRAMES = 1_000;
const ROUNDS = 6;
const RUNS_PER_ROUND = 25;

/** The flood: a mix of what a broken or hostile client sends — not JSON, wrong shapes, near-limit junk. */
export function garbageFrames(count: number): string[] {
  const junk = 'x'.repeat(60 * 1024);
  const manyKeys = JSON.stringify({ type: 'run', ...Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i])) });
  const shapes = [junk, manyKeys, '{"type":"run"', '{"type":"nope","id":1}', JSON.stringify({ type: 'cancel', id: 'no-such-run' })];
  return Array.from({ length: count }, (_, i) => shapes[i % shapes.length]!);
}

function open(server: BenchServer, user: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    // Demo mode: the user switcher's cookie picks who this socket is.
    const ws = new WebSocket(server.wsUrl, { origin: server.url, headers: { cookie: `opsbook_demo_user=${user}` } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

let seq = 0;
function timedRun(ws: WebSocket, server: BenchServer, key: string): Promise<number> {
  const id = `f${++seq}`;
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      if (m.type !== 'done' || m.id !== id) return;
      ws.off('message', onMessage);
      if (m.status === 'succeeded') resolve(performance.now() - t0);
      else reject(new Error(`${key}: ${m.status} ${JSON.stringify(m.error)}`));
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'run', id, snippet: key, sha256: server.manifest.snippets[key]!.sha256, env: 'demo', params: {} }));
  });
}

/** The flooder process (flooder.ts): the attacker is another machine, not this process's event loop. */
async function startFlooder(server: BenchServer): Promise<{ flood(): Promise<void>; stop(): void }> {
  const child: ChildProcess = fork(path.join(__dirname, 'flooder.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  return {
    flood: () =>
      new Promise<void>((resolve) => {
        child.once('message', () => resolve());
        child.send({ wsUrl: server.wsUrl, origin: server.url });
      }),
    stop: () => void child.send('exit'),
  };
}


export interface FairnessFigure {
  /** What the other user ran. */
  readonly query: string;
  readonly runs: number;
  readonly quiet: { p50: number; p95: number };
  readonly flooded: { p50: number; p95: number };
  readonly ratio: number;
}

/** The other user's queries: a 1-row read, and 10,000 rows (every row frame of it shares the loop with the flood). */
const QUERIES: readonly { key: string; label: string; text: string }[] = [
  { key: 'bench/one-row', label: '1-row run', text: 'select business_date from etl_control.etl_date_control limit 1' },
  { key: 'bench/10k-rows', label: '10,000-row run', text: "select i as id, i * 2.5 as amount, 'label_' || i as label from range(10000) t(i)" },
];

export async function measureFairness(dbFile: string, port: number): Promise<FairnessFigure[]> {
  const server = await startBenchServer({ dbFile, port, rowCap: 10_000, snippets: Object.fromEntries(QUERIES.map((q) => [q.key, { text: q.text }])) });
  const flooder = await startFlooder(server);
  try {
    for (const q of QUERIES) {
      const warm = await open(server, 'dana.operator');
      for (let i = 0; i < 20; i++) await timedRun(warm, server, q.key);
      warm.close();
    }
    await flooder.flood(); // warm the refusal path too
    const quiet = new Map<string, number[]>(QUERIES.map((q) => [q.key, []]));
    const flooded = new Map<string, number[]>(QUERIES.map((q) => [q.key, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // Which query goes first alternates, so neither always meets the start of the flood.
      const order = round % 2 ? [...QUERIES].reverse() : QUERIES;
      for (const q of order) {
        const victim = await open(server, 'dana.operator');
        for (let i = 0; i < RUNS_PER_ROUND; i++) quiet.get(q.key)!.push(await timedRun(victim, server, q.key));
        const attack = flooder.flood();
        for (let i = 0; i < RUNS_PER_ROUND; i++) flooded.get(q.key)!.push(await timedRun(victim, server, q.key));
        await attack;
        victim.close();
      }
    }
    return QUERIES.map((q) => {
      const qs = quiet.get(q.key)!;
      const fs = flooded.get(q.key)!;
      const quietP = { p50: pct(qs, 50), p95: pct(qs, 95) };
      const floodedP = { p50: pct(fs, 50), p95: pct(fs, 95) };
      return { query: q.label, runs: qs.length, quiet: quietP, flooded: floodedP, ratio: floodedP.p95 / quietP.p95 };
    });
  } finally {
    flooder.stop();
    await server.stop();
  }
}

export function fairnessRow(f: FairnessFigure): [string, string, string, boolean] {
  return [
    `another user's ${f.query} during a ${FRAMES.toLocaleString('en')}-frame garbage flood (p50 / p95, ${f.runs} runs each, interleaved)`,
    `${f.flooded.p50.toFixed(1)} / ${f.flooded.p95.toFixed(1)} ms vs ${f.quiet.p50.toFixed(1)} / ${f.quiet.p95.toFixed(1)} ms quiet (${f.ratio.toFixed(2)}× p95)`,
    'p95 ≤ 2 × quiet',
    f.ratio <= 2,
  ];
}
