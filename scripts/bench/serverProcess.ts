/**
 * Runs the real server in a child process for benchmarks (so its RSS is its own), with a bench
 * configuration and a manifest of bench snippets, and samples its memory from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeManifest, type SnippetDef } from '../../server/testing/harness';
import type { Manifest } from '../../plugins/remark-runbook/types';

export interface BenchServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly manifest: Manifest;
  readonly pid: number;
  rssBytes(): number;
  stop(): Promise<void>;
}

export interface BenchServerOptions {
  readonly dbFile: string;
  readonly snippets: Record<string, SnippetDef>;
  readonly rowCap: number;
  readonly port: number;
  readonly postgresUrl?: string;
  readonly limits?: Readonly<Record<string, number>>;
  /**
   * Keep large results on the server (the default configuration). Off for the socket-against-driver figures: with
   * a row cap under results.maxRows every row would also be written to the kept-results file, a different path.
   */
  readonly keepResults?: boolean;
  /** More connections of the demo environment, as YAML lines (`      name: {kind: …}\n`). */
  readonly connections?: string;
}

export async function startBenchServer(opts: BenchServerOptions): Promise<BenchServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-'));
  const manifest = makeManifest(opts.snippets);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    `environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: ${JSON.stringify(opts.dbFile)}}\n` +
      (opts.postgresUrl ? `      pg: {kind: postgres, url: ${JSON.stringify(opts.postgresUrl)}}\n` : '') +
      `      airflow: {kind: airflow, sandbox: true, timeScale: 0.2}\n` +
      (opts.connections ?? '') +
      (opts.keepResults === false ? 'results: {keep: false}\n' : '') +
      `audit: {store: duckdb, path: ${JSON.stringify(path.join(dir, 'state.duckdb'))}}\n` +
      `limits: {rowsPerRun: ${opts.rowCap}, rowsHardCap: ${opts.rowCap}, runsPerSocket: 64${Object.entries(opts.limits ?? {}).map(([k, v]) => `, ${k}: ${v}`).join('')}}\n`,
  );
  const siteDir = path.resolve(__dirname, '../..');
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'server/index.ts'], {
    cwd: siteDir,
    env: {
      ...process.env,
      PORT: String(opts.port),
      HOST: '127.0.0.1',
      OPSBOOK_CONFIG: path.join(dir, 'config.yaml'),
      OPSBOOK_MANIFEST: path.join(dir, 'manifest.json'),
      OPSBOOK_API_ONLY: '1',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('serving on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${opts.port}`,
    wsUrl: `ws://127.0.0.1:${opts.port}/api/ws`,
    manifest,
    pid: child.pid!,
    rssBytes() {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
