/**
 * A fresh demo environment for drills: a temp folder with a freshly seeded demo warehouse, a fresh state
 * store, the manifest built from the runbooks, and the real server app (with its Airflow sandbox)
 * in-process on a loopback port. Drills reach it only over HTTP and the WebSocket, as the page does:
 * the operator runs blocks and requests approvals, a second demo identity decides them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from '../../server/app';
import { openDuckDBStore } from '../../server/audit/duckdbStore';
import { createAuthenticator } from '../../server/auth';
import { parseConfig } from '../../server/config';
import { createConnectorRegistry } from '../../server/connectors/registry';
import { ensureDemoWarehouse } from '../../server/demo/warehouse';
import type { ScenarioInfo } from '../../server/demo/airflow/scenarios';
import { storeAuditSink } from '../../server/execution/audit';
import { staticManifestStore } from '../../server/execution/manifestStore';
import type { Approval } from '../../server/api';
import type { DoneMessage } from '../../server/protocol';
import type { Manifest, ManifestSnippet } from '../../plugins/remark-runbook/types';
import { PageClient } from './client';
import type { DrillEnvironment, RunOutcome } from './judge';
import type { SnippetStep } from './schema';
import { snippetFor } from './snippets';
import { resolveRelativeDates } from './dates';
import { DEFAULT_TIMEZONE } from '../../plugins/remark-runbook/syntax/zonedDate';

export const OPERATOR = 'dana.operator';
export const DEFAULT_APPROVER = 'imani.manager';

export interface DemoEnvironment extends DrillEnvironment {
  readonly url: string;
  /** The sandbox's scenarios and their actions, for validating drills. */
  scenarios(): Promise<ReadonlyMap<string, readonly string[]>>;
  close(): Promise<void>;
}

export interface EnvironmentOptions {
  readonly manifest: Manifest;
  /** Sandbox time scale: DAG tasks take demo seconds × this (default 0.1). */
  readonly timeScale?: number;
  /** A seeded warehouse to copy instead of seeding one (tests reuse theirs). */
  readonly seededFrom?: string;
  readonly log?: (message: string) => void;
}

export async function startDemoEnvironment(options: EnvironmentOptions): Promise<DemoEnvironment> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-drill-'));
  const file = path.join(dir, 'demo.duckdb');
  if (options.seededFrom) fs.copyFileSync(options.seededFrom, file);
  else await ensureDemoWarehouse(file);
  const config = parseConfig(
    [
      'defaultEnvironment: demo',
      'environments:',
      '  demo:',
      '    label: Demo',
      '    connections:',
      `      warehouse: {kind: duckdb, path: ${JSON.stringify(file)}, demo: true}`,
      `      source: {kind: duckdb, path: ${JSON.stringify(file)}}`,
      `      airflow: {kind: airflow, sandbox: true, timeScale: ${options.timeScale ?? 0.1}, pollMs: 50}`,
      // The demo Tableau: the ecommerce runbook refreshes the dashboards' extracts through it.
      '      tableau: {kind: tableau, demo: true, pollMs: 20}',
      // The demo Databricks: drills whose recovery is a DLT update start it from the page, as operators do.
      '      databricks: {kind: databricks, demo: true, pipelinePollMs: 50}',
      // The demo S3: the ecommerce extract files are there, and the runbook lists them.
      '      s3: {kind: s3, demo: true}',
      // The demo dbt Cloud: DailyRefresh runs there (from the runbook's dbt-cloud block or from Airflow), and a retail
      // drill repairs the night by re-running the failed model from a dbt Cloud block.
      '      dbt: {kind: dbt-cloud, demo: true, pollMs: 20}',
      'auth: {mode: demo}',
      // Drills request several approvals in a row; the page's rate limit is for people.
      'approvals: {requestsPerMinute: 1000}',
      // …and a whole team's night of work in a minute, as one operator: past the HTTP limits made for people.
      'limits: {httpRequestsPerWindow: 100000, httpExpensivePerWindow: 10000}',
    ].join('\n'),
    'drill-environment.yaml',
  );
  const log = options.log ?? (() => undefined);
  const connectors = createConnectorRegistry(config, dir);
  const store = await openDuckDBStore(path.join(dir, 'state.duckdb'));
  const app: App = createApp({
    config, manifest: staticManifestStore(options.manifest), connectors, store, audit: storeAuditSink(store, log), authenticator: createAuthenticator(config.auth), log,
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const clients = new Map<string, PageClient>();
  const as = (user: string) => {
    let c = clients.get(user);
    if (!c) clients.set(user, (c = new PageClient(url, user)));
    return c;
  };
  const operator = as(OPERATOR);

  const scenarioCall = (id: string, action: string) => operator.api<{ scenario: ScenarioInfo }>('POST', '/demo/airflow/scenarios', { id, action });
  /** Activation replays the night's run; the fault is in place once that run has ended. */
  const settled = async (id: string) => {
    for (let i = 0; i < 6000; i++) {
      const { scenarios } = await operator.api<{ scenarios: ScenarioInfo[] }>('GET', '/demo/airflow/scenarios');
      if (scenarios.find((s) => s.id === id)?.settled !== false) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`scenario ${id} did not settle within 10 minutes`);
  };

  async function run(step: SnippetStep): Promise<RunOutcome> {
    const found = snippetFor(options.manifest, step.snippet, 'duckdb');
    if (!found) throw new Error(`${step.snippet} is not in the manifest`);
    const { key, snippet } = found;
    const params = resolveRelativeDates(step.params ?? {}, new Date(), snippet.timezone ?? DEFAULT_TIMEZONE);
    let approval: string | undefined;
    let previewedRows: number | undefined;
    if (snippet.role === 'escalation') {
      const requested = await operator.api<Approval>('POST', '/api/approvals', { snippet: key, sha256: snippet.sha256, env: 'demo', params, reason: 'Drill: the documented recovery of a training fault.' });
      const decided = await as(step.approver ?? DEFAULT_APPROVER).api<Approval>('POST', `/api/approvals/${requested.id}/decision`, { decision: 'approve', comment: 'Drill recovery approved.' });
      if (decided.status !== 'approved') throw new Error(`approval ${requested.id} is ${decided.status}, not approved`);
      approval = requested.id;
      if (requested.preview.kind === 'sql' && typeof requested.preview.affectedRows === 'number') previewedRows = requested.preview.affectedRows;
    }
    const message = { snippet: key, sha256: snippet.sha256, env: 'demo', params, ...(approval ? { approval } : {}) };
    // Like the page: a clear or a trigger without an approval is previewed first (the dry-run list, the run it
    // would start), and confirmed once seen.
    // A system's write (a dbt Cloud job run, a page) is previewed the same way before it is confirmed.
    const previewsFirst = snippet.lang === 'airflow' ? /^\s*(tasks clear|dags trigger)\b/.test(snippet.text) : snippet.lang !== 'sql' && snippet.mode === 'write';
    if (previewsFirst && !approval) {
      const preview = await operator.run({ ...message, preview: true });
      if (preview.done.status !== 'succeeded') return outcomeOf(key, snippet, preview.done, previewedRows);
    }
    const { done } = await operator.run({ ...message, confirmed: true });
    return outcomeOf(key, snippet, done, previewedRows);
  }

  function outcomeOf(key: string, snippet: ManifestSnippet, done: DoneMessage, previewedRows: number | undefined): RunOutcome {
    // The server reports the rows a SQL write changed; null where the engine cannot tell.
    const changed = snippet.lang === 'sql' && snippet.mode === 'write' && typeof done.rowsAffected === 'number' ? done.rowsAffected : undefined;
    return {
      key, lang: snippet.lang, mode: snippet.mode, status: done.status, rowCount: done.rowCount, ...(changed === undefined ? {} : { changedRows: changed }),
      ...(previewedRows === undefined ? {} : { previewedRows }),
      ...(done.check ? { check: { passed: done.check.passed, detail: done.check.detail, ...(done.check.verdict ? { verdict: done.check.verdict } : {}) } } : {}),
      ...(done.error ? { error: { code: done.error.code, message: done.error.message } } : {}),
    };
  }

  return {
    url,
    async scenarios() {
      const { scenarios } = await operator.api<{ scenarios: ScenarioInfo[] }>('GET', '/demo/airflow/scenarios');
      return new Map(scenarios.map((s) => [s.id, s.allActions.map((a) => a.id)]));
    },
    async activate(id) {
      await scenarioCall(id, 'activate');
      await settled(id);
    },
    async act(id, action) {
      await scenarioCall(id, action);
      await settled(id);
    },
    async deactivate(id) {
      await scenarioCall(id, 'deactivate');
      await settled(id);
    },
    run,
    async close() {
      for (const c of clients.values()) c.close();
      await app.close();
      await connectors.closeAll();
      await store.close();
      // DRILL_KEEP_DIR=1 keeps the warehouse and state store to inspect after a failed drill.
      if (process.env.DRILL_KEEP_DIR) console.error(`drill environment kept in ${dir}`);
      else fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
