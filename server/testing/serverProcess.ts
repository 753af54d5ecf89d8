/**
 * The real server as a child process (`node --import tsx server/index.ts`), for tests that kill it:
 * a temp directory with a DuckDB warehouse, a manifest built from snippet definitions, and a config in
 * proxy auth mode (identities as headers from loopback), on an ephemeral port. Stop it with a signal,
 * start it again on the same directory, and read what the audit kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Manifest } from '../../plugins/remark-runbook/types';
import { ADMIN, csrfTokenFor, headersFor, makeManifest, TEST_APPROVER_ROLES, TestClient, type SnippetDef, type TestUser } from './harness';

export interface ServerDir {
  readonly dir: string;
  readonly manifest: Manifest;
  /** The audit store in YAML, e.g. `{store: postgres, url: …, schema: …}`; default the embedded DuckDB file. */
  readonly auditYaml: string;
}

/**
 * These servers are driven by one test client sending hundreds of runs on one socket and many API calls:
 * far past a page's budgets, which have tests of their own (server/abuse.test.ts).
 */
export const TEST_LIMITS = '{socketMessagesPerWindow: 1000000, socketBytesPerWindow: 1073741824, httpRequestsPerWindow: 1000000, httpExpensivePerWindow: 1000000}';

export async function prepareServerDir(o: { setupSql: string; snippets: Record<string, SnippetDef>; auditYaml?: string; connectionsYaml?: string; limitsYaml?: string; /** Top-level YAML appended, e.g. a `server:` section. */ extraYaml?: string }): Promise<ServerDir> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-proc-'));
  const warehouse = path.join(dir, 'warehouse.duckdb');
  const setup = await DuckDBInstance.create(warehouse);
  const c = await setup.connect();
  await c.run(o.setupSql);
  c.closeSync();
  setup.closeSync();
  const manifest = makeManifest(o.snippets);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  const auditYaml = o.auditYaml ?? `{store: duckdb, path: ${JSON.stringify(path.join(dir, 'state.duckdb'))}}`;
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    `environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: ${JSON.stringify(warehouse)}}\n${o.connectionsYaml ?? ''}` +
      `auth:\n  mode: proxy\n  trustedProxies: [127.0.0.1/32]\n  roleMap: {ops: [service-team], approvers: [approver], admins: [admin]}\n` +
      `audit: ${auditYaml}
limits: ${o.limitsYaml ?? TEST_LIMITS}
${o.extraYaml ?? ''}` +
      // The `approvers` group decides for every approver role test snippets name (as in the in-process harness).
      `approvals: {roles: {${TEST_APPROVER_ROLES.map((r) => `${r}: {groups: [approvers]}`).join(', ')}}}
`,
  );
  return { dir, manifest, auditYaml };
}

export class ServerProcess {
  private output = '';
  private readonly logWaiters = new Set<() => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const append = (d: Buffer) => {
      this.output += d.toString();
      for (const w of [...this.logWaiters]) w();
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
  }

  /** Resolves when the process has printed a line matching `pattern` (checking what it printed so far). */
  waitForLog(pattern: RegExp, guardMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pattern.test(this.output)) return;
        this.logWaiters.delete(check);
        clearTimeout(guard);
        resolve();
      };
      const guard = setTimeout(() => {
        this.logWaiters.delete(check);
        reject(new Error(`the server never printed ${pattern}; it printed:\n${this.output}`));
      }, guardMs);
      this.logWaiters.add(check);
      check();
    });
  }

  get wsUrl(): string {
    return `${this.url.replace(/^http/, 'ws')}/api/ws`;
  }

  /** Everything the process printed (for failure messages and the measured shutdown time). */
  get log(): string {
    return this.output;
  }

  /** `imports`: test-only modules loaded before the server (e.g. server/testing/stubbornSqlServer.ts). */
  static start(d: ServerDir, instance = 'test-instance', o: { imports?: readonly string[]; env?: Readonly<Record<string, string>> } = {}): Promise<ServerProcess> {
    const siteDir = path.resolve(__dirname, '../..');
    const imports = (o.imports ?? []).flatMap((file) => ['--import', path.resolve(siteDir, file)]);
    const child = spawn(process.execPath, ['--import', 'tsx', ...imports, 'server/index.ts'], {
      cwd: siteDir,
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        OPSBOOK_CONFIG: path.join(d.dir, 'config.yaml'),
        OPSBOOK_MANIFEST: path.join(d.dir, 'manifest.json'),
        OPSBOOK_API_ONLY: '1',
        OPSBOOK_INSTANCE_ID: instance,
        ...o.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Promise((resolve, reject) => {
      let printed = '';
      const onData = (data: Buffer) => {
        printed += data.toString();
        const m = /serving on http:\/\/localhost:(\d+)\//.exec(printed);
        if (m) {
          child.stdout!.off('data', onData);
          const server = new ServerProcess(child, `http://127.0.0.1:${m[1]}`);
          server.output = printed;
          resolve(server);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d: Buffer) => (printed += d.toString()));
      child.once('exit', (code) => reject(new Error(`server exited with ${code} before serving:\n${printed}`)));
    });
  }

  connect(as: TestUser): Promise<TestClient> {
    return TestClient.open(this.wsUrl, this.url, as);
  }

  async api(method: string, p: string, as: TestUser = ADMIN, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
    const csrf = await csrfTokenFor(this.url, as);
    const res = await fetch(`${this.url}${p}`, {
      method,
      headers: { ...headersFor(as), cookie: `opsbook_csrf=${csrf}`, 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as never) : null };
  }

  /** Sends a signal and resolves when the process has exited. */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
