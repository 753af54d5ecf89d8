/**
 * In-process server for tests and benchmarks: the real app on an ephemeral loopback port, a real DuckDB
 * file, a manifest built from snippet definitions with the real hash, and a WebSocket client helper.
 */
import type { DemoSystemsOptions } from '../demo/systems';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { DuckDBInstance } from '@duckdb/node-api';
import { createApp, type App } from '../app';
import { KeptResults } from '../results/keptResults';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseConfig, type OpsbookConfig } from '../config';
import type { ServerOpsData } from '../approvers/routing';
import { createConnectorRegistry } from '../connectors/registry';
import { memoryAuditSink, storeAuditSink, type AuditEntry } from '../execution/audit';
import { openDuckDBStore } from '../audit/duckdbStore';
import type { StateStore } from '../audit/types';
import { createAuthenticator } from '../auth';
import { staticManifestStore } from '../execution/manifestStore';
import { snippetHash } from '../../plugins/remark-runbook/snippet';
import type { Manifest, ManifestSnippet } from '../../plugins/remark-runbook/types';
import type { ClientMessage, DoneMessage, ServerMessage } from '../protocol';

export type SnippetDef = Partial<Omit<ManifestSnippet, 'sha256'>> & { readonly text: string };

export function makeManifest(defs: Readonly<Record<string, SnippetDef>>): Manifest {
  const snippets: Record<string, ManifestSnippet> = {};
  for (const [key, def] of Object.entries(defs)) {
    const base: Omit<ManifestSnippet, 'sha256'> = {
      runbook: key.split('/')[0]!, file: 'docs/test.mdx', line: 1, step: 'step', role: 'service-team', approver: null,
      lang: 'sql', target: 'warehouse', envs: ['*'], mode: 'read', params: [], expect: null, dialect: null, title: null, ...def,
    };
    snippets[key] = { ...base, sha256: snippetHash(base) };
  }
  return { version: 1, commit: 'test', dirty: false, builtAt: new Date(0).toISOString(), snippets };
}

/**
 * Test identities travel as SSO-proxy headers (the harness runs in proxy mode, trusting loopback), so a
 * test can act as an operator, an approver or an admin without a login.
 */
export interface TestUser {
  readonly user: string;
  readonly groups: readonly string[];
}
export const OPERATOR: TestUser = { user: 'dana.operator', groups: ['ops'] };
export const APPROVER: TestUser = { user: 'imani.manager', groups: ['approvers'] };
export const SECOND_APPROVER: TestUser = { user: 'oskar.oncall', groups: ['approvers', 'ops'] };
export const ADMIN: TestUser = { user: 'alex.admin', groups: ['admins'] };

export function headersFor(u: TestUser): Record<string, string> {
  return { 'x-forwarded-user': u.user, 'x-forwarded-groups': u.groups.join(','), 'x-forwarded-preferred-username': u.user };
}

export interface Harness {
  readonly url: string;
  readonly wsUrl: string;
  readonly config: OpsbookConfig;
  readonly manifest: Manifest;
  readonly audit: ReturnType<typeof memoryAuditSink>;
  readonly store: StateStore;
  readonly dbFile: string;
  connect(options?: { origin?: string | null; as?: TestUser | null }): Promise<TestClient>;
  /** fetch against the API as a user, with the CSRF cookie and header a page would send. */
  api(method: string, path: string, as?: TestUser, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
  close(): Promise<void>;
}

/**
 * Unless a test names its own approver roles, the `approvers` group (APPROVER, SECOND_APPROVER) decides for
 * every approver role test snippets name, so tests about something else need not set them up.
 */
export const TEST_APPROVER_ROLES = ['approver', 'implementation-manager', 'data-engineering-on-call', 'data-engineering-lead', 'pipeline-owner'];
function withTestApprovers(extra: string): string {
  const parsed = (parseYaml(extra) ?? {}) as Record<string, Record<string, unknown> | undefined>;
  if (parsed.approvals?.roles) return extra;
  const roles = Object.fromEntries(TEST_APPROVER_ROLES.map((r) => [r, { groups: ['approvers'] }]));
  return stringifyYaml({ ...parsed, approvals: { ...parsed.approvals, roles } });
}

export async function startHarness(options: {
  readonly setupSql: string;
  readonly snippets: Readonly<Record<string, SnippetDef>>;
  readonly limits?: Readonly<Record<string, number>>;
  readonly extraConfig?: string;
  /** More connections of the demo environment, as YAML lines (e.g. `      airflow: {kind: airflow, sandbox: true}\n`). */
  readonly demoConnections?: string;
  readonly now?: () => Date;
  /** Decides when a dropped run's grace period ends (server/ws/runStreams.ts). */
  readonly schedule?: import('../ws/runStreams').Scheduler;
  /** Escalation ladders, rotations, people and approver labels (docs/**\/_data) the server resolves. */
  readonly opsData?: ServerOpsData;
  /** Runbooks of the manifest (e.g. the escalation ladder each names). */
  readonly runbooks?: Manifest['runbooks'];
  /** Approvals a write in the prod environment needs (its requiredApprovals); unset by default. */
  readonly prodRequiredApprovals?: number;
  /** The demo's system stand-ins (e.g. what the demo S3 holds), for `{kind: s3, demo: true}` connections. */
  readonly demoSystems?: DemoSystemsOptions;
  /** Keep large results in the test's directory, as index.ts does in the state directory (config `results`). */
  readonly keptResults?: boolean;
}): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-test-'));
  const dbFile = path.join(dir, 'warehouse.duckdb');
  const setup = await DuckDBInstance.create(dbFile);
  const c = await setup.connect();
  await c.run(options.setupSql);
  c.closeSync();
  setup.closeSync();
  // HTTP rate limits stay out of the way unless a test sets them (rateLimit tests do).
  const limits = Object.entries({ httpRequestsPerWindow: 1_000_000, httpExpensivePerWindow: 1_000_000, ...options.limits }).map(([k, v]) => `  ${k}: ${v}`).join('\n');
  const config = parseConfig(
    `environments:\n  demo:\n    label: Demo\n    connections:\n      warehouse: {kind: duckdb, path: ${JSON.stringify(dbFile)}}\n${options.demoConnections ?? ''}  prod:\n    label: Production\n    production: true\n${options.prodRequiredApprovals ? `    requiredApprovals: ${options.prodRequiredApprovals}\n` : ''}    connections:\n      warehouse: {kind: duckdb, path: ${JSON.stringify(path.join(dir, 'prod.duckdb'))}}\n${limits ? `limits:\n${limits}\n` : ''}auth:\n  mode: proxy\n  trustedProxies: [127.0.0.1/32]\n  roleMap: {ops: [service-team], approvers: [approver], admins: [admin]}\n${withTestApprovers(options.extraConfig ?? '')}`,
    'test-config.yaml',
  );
  const manifest = { ...makeManifest(options.snippets), ...(options.runbooks ? { runbooks: options.runbooks } : {}) };
  const connectors = createConnectorRegistry(config, dir);
  const store = await openDuckDBStore(path.join(dir, 'state.duckdb'));
  // Tests read events in memory; the API reads the store: write both.
  const memory = memoryAuditSink();
  const stored = storeAuditSink(store, (m) => console.error(m));
  const audit = { events: memory.events, record: (e: AuditEntry) => (memory.record(e), stored.record(e)), flush: () => stored.flush() };
  const r = config.results;
  const keptResults = options.keptResults
    ? await KeptResults.open(path.join(dir, 'kept-results'), { maxRows: r.maxRows, maxBytes: r.maxBytes, totalBytes: r.totalBytes, ttlMs: r.ttlMinutes * 60_000 })
    : null;
  const app: App = createApp({
    config, manifest: staticManifestStore(manifest), connectors, store, audit, authenticator: createAuthenticator(config.auth), log: () => undefined,
    ...(options.now ? { now: options.now } : {}),
    ...(options.schedule ? { schedule: options.schedule } : {}),
    ...(options.opsData ? { opsData: () => options.opsData! } : {}),
    ...(options.demoSystems ? { demoSystems: options.demoSystems } : {}),
    ...(keptResults ? { keptResults } : {}),
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const port = (app.server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/api/ws`;
  return {
    url,
    wsUrl,
    config,
    manifest,
    audit,
    store,
    dbFile,
    connect: (o = {}) => TestClient.open(wsUrl, o.origin === undefined ? url : o.origin, o.as === undefined ? OPERATOR : o.as),
    async api(method, p, as = OPERATOR, body) {
      const csrf = await csrfTokenFor(url, as);
      const res = await fetch(`${url}${p}`, {
        method,
        headers: { ...headersFor(as), cookie: `opsbook_csrf=${csrf}`, 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // CSV and HTML stay text
      }
      return { status: res.status, body: parsed as never };
    },
    async close() {
      await app.close();
      await keptResults?.close();
      await connectors.closeAll();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The CSRF token the server issues to a user (it is bound to the identity), as a page gets it from GET /api/me.
 * Not cached: a restarted server (or another one on a reused port) signs with another secret.
 */
export async function csrfTokenFor(url: string, as: TestUser): Promise<string> {
  const res = await fetch(`${url}/api/me`, { headers: headersFor(as) });
  const token = /opsbook_csrf=([^;]+)/.exec(res.headers.getSetCookie().join('\n'))?.[1];
  if (!token) throw new Error(`GET /api/me as ${as.user} set no CSRF cookie (HTTP ${res.status})`);
  return token;
}

/** A protocol client that records every message and waits for a run's `done`. */
export class TestClient {
  readonly messages: ServerMessage[] = [];
  private waiters: (() => void)[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as ServerMessage);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** `headers`: more request headers on the upgrade (e.g. a load balancer's sticky cookie). */
  static open(url: string, origin: string | null, as: TestUser | null = OPERATOR, headers: Readonly<Record<string, string>> = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { ...(origin ? { origin } : {}), headers: { ...(as ? headersFor(as) : {}), ...headers } });
      socket.once('open', () => resolve(new TestClient(socket)));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  send(message: ClientMessage | Record<string, unknown> | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Waits until a message matching `predicate` has arrived (checking those already received first). */
  async waitFor<T extends ServerMessage>(predicate: (m: ServerMessage) => m is T, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  done(id: string, timeoutMs?: number): Promise<DoneMessage> {
    return this.waitFor((m): m is DoneMessage => m.type === 'done' && m.id === id, timeoutMs);
  }

  of(id: string): ServerMessage[] {
    return this.messages.filter((m) => 'id' in m && m.id === id);
  }

  close(): void {
    this.socket.close();
  }
}
