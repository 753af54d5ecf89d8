/**
 * Terminal: 10 MB of log text through the server (DESIGN.md §11: nothing dropped). A dbt Cloud job whose step
 * log is 10 MB (the contract fake of the dbt Cloud API, server/connectors/systems/dbtCloud/testing), run from a
 * dbt Cloud block and followed to its end: from the `run` message to the last log byte on the socket, and the
 * bytes received against the bytes the job logged. Server side only: a Node client, no xterm.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { chattyLog, startFakeDbtCloud } from '../../server/connectors/systems/dbtCloud/testing/fakeDbtCloud';
import type { ServerMessage } from '../../server/protocol';
import { freePort } from './ports';
import { startBenchServer } from './serverProcess';
import { summarize, type Summary } from './stats';

const LOG_BYTES = 10 * 1024 * 1024;
const JOB_ID = 4242;
const KEY = 'bench/dbt-chatty';

export interface TerminalFigure {
  readonly lastByteMs: Summary;
  /** Bytes of the job's step log, and the least of it any run delivered. */
  readonly logged: number;
  readonly leastReceived: number;
}

export async function measureTenMegabytesOfLog(rounds: number): Promise<TerminalFigure> {
  const fake = await startFakeDbtCloud({ jobs: [{ id: JOB_ID, name: 'Chatty', executeSteps: ['dbt run'], nodes: ['model.analytics.model_1'], logBytes: LOG_BYTES }] });
  // The token as the config wants it, a ${VAR} reference; the child server inherits this process's environment.
  process.env.OPSBOOK_BENCH_DBT_TOKEN = fake.token;
  // The environment needs a warehouse; this figure never reads it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-terminal-'));
  const server = await startBenchServer({
    dbFile: path.join(dir, 'unused.duckdb'),
    port: await freePort(),
    rowCap: 1000,
    snippets: { [KEY]: { text: `dbt-cloud job run --job-id ${JOB_ID} --wait`, lang: 'dbt-cloud', target: 'dbt', mode: 'write' } },
    connections: `      dbt: {kind: dbt-cloud, url: ${JSON.stringify(fake.url)}, accountId: ${fake.accountId}, token: "\${OPSBOOK_BENCH_DBT_TOKEN}", pollMs: 0}\n`,
  });
  const logged = chattyLog(LOG_BYTES).length;
  try {
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const s = new WebSocket(server.wsUrl, { origin: server.url, maxPayload: 256 * 1024 * 1024 });
      s.once('open', () => resolve(s));
      s.once('error', reject);
    });
    const times: number[] = [];
    let leastReceived = Number.POSITIVE_INFINITY;
    // The first run warms the client, the server's dbt Cloud connection and the fake.
    for (let round = 0; round <= rounds; round++) {
      const r = await oneRun(ws, server.manifest.snippets[KEY]!.sha256, `t${round}`);
      if (round === 0) continue;
      times.push(r.lastByteMs);
      leastReceived = Math.min(leastReceived, r.received);
    }
    ws.close();
    return { lastByteMs: summarize(times), logged, leastReceived };
  } finally {
    await server.stop();
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function oneRun(ws: WebSocket, sha256: string, id: string): Promise<{ lastByteMs: number; received: number }> {
  const t0 = performance.now();
  let last = t0;
  let received = 0;
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      if (!('id' in m) || m.id !== id) return;
      if (m.type === 'log') {
        received += m.text.length;
        last = performance.now();
      }
      if (m.type !== 'done') return;
      ws.off('message', onMessage);
      if (m.status !== 'succeeded') reject(new Error(`${KEY}: ${m.status} ${JSON.stringify(m.error)}`));
      else resolve({ lastByteMs: last - t0, received });
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'run', id, snippet: KEY, sha256, env: 'demo', params: {}, confirmed: true }));
  });
}

export function terminalRow(f: TerminalFigure): [string, string, string, boolean] {
  const s = f.lastByteMs;
  const whole = f.leastReceived >= f.logged;
  return [
    `terminal: ${(f.logged / 1048576).toFixed(0)} MB of dbt Cloud step log, run → last byte on the socket (median of ${s.n})`,
    `${(s.median / 1000).toFixed(2)} s [${(s.min / 1000).toFixed(2)}–${(s.max / 1000).toFixed(2)}], ${whole ? 'every byte arrived' : `only ${f.leastReceived} of ${f.logged} bytes arrived`}`,
    'nothing dropped',
    whole,
  ];
}
