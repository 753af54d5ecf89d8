/**
 * Process entry: load the configuration, prepare the demo warehouse, load the manifest, serve the site,
 * the API and the WebSocket on one port, and shut down cleanly on SIGINT/SIGTERM.
 *
 * Environment: PORT (3000), HOST (0.0.0.0), OPSBOOK_CONFIG, OPSBOOK_MANIFEST (build/opsbook-manifest.json),
 * OPSBOOK_WATCH_MANIFEST=1 (author mode: reload on change), OPSBOOK_API_ONLY=1 (do not serve build/),
 * OPSBOOK_EXTRA_ORIGINS (comma list of origins allowed on the socket, e.g. the dev server's).
 * OPSBOOK_INSTANCE_ID (this instance's name in the audit; default host:port — see audit/liveness.ts).
 * OPSBOOK_INTERNAL_URL (how other instances reach this one, for kept-result reads forwarded to it; default the
 * address it listens on — see cluster/keptCluster.ts).
 * OPSBOOK_SEED_HISTORY_DAYS=N: replay every Health-page check for the N days before today on environments
 * with a demo warehouse, in the background, so baselines and sparklines have history (npm start sets 14;
 * default 0, so tests and drills start with an empty history) — see checks/seedHistory.ts.
 */
import path from 'node:path';
import { ConfigError, loadConfig } from './config';
import { checkConnections, checkReadProfiles, configWarnings, formatChecks } from './checkConfig';
import { createConnectorRegistry } from './connectors/registry';
import { storeAuditSink } from './execution/audit';
import { createAuthenticator } from './auth';
import { openStateStore } from './state';
import { instanceId, startLiveness } from './audit/liveness';
import { installShutdown } from './shutdown';
import { loadManifestStore, ManifestError } from './execution/manifestStore';
import { createApp } from './app';
import { loadOrCreateCsrfSecret } from './http/csrfToken';
import { ensureDemoWarehouse } from './demo/warehouse';
import { validateSchedules } from './schedules';
import { preflightSchedules } from './schedules/preflight';
import { startDemoHistory } from './checks/demoHistory';
import { loadOrCreateSigningKey } from './operations/export/signing';
import { loadDataFiles } from '../plugins/docusaurus-plugin-opsbook/dataFiles';
import type { ServerOpsData } from './approvers/routing';
import { KeptResults } from './results/keptResults';

const siteDir = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const { config, file } = loadConfig(siteDir);
  const manifestFile = path.resolve(siteDir, process.env.OPSBOOK_MANIFEST ?? 'build/opsbook-manifest.json');
  if (process.argv.includes('--check-config')) {
    const results = await checkConnections(config, siteDir);
    console.log(formatChecks(results, file, siteDir, configWarnings(config)));
    // What the start would refuse about the schedules (an unknown check, a write), said now.
    const schedules = preflightSchedules(config, manifestFile, siteDir);
    if (schedules.lines.length) console.log(['', ...schedules.lines].join('\n'));
    process.exit(results.every((r) => r.ok) && schedules.ok ? 0 : 1);
  }
  const anyProduction = Object.values(config.environments).some((e) => e.production);
  const manifest = loadManifestStore(manifestFile, {
    watch: process.env.OPSBOOK_WATCH_MANIFEST === '1',
    publicKey: config.manifest.publicKey,
    refuseDirty: anyProduction,
    onReload: (m) => console.log(`opsbook: manifest reloaded (${Object.keys(m.snippets).length} snippets)`),
    onError: (e) => console.error(`opsbook: kept the previous manifest: ${e.message}`),
  });
  for (const [envName, env] of Object.entries(config.environments)) {
    for (const [name, conn] of Object.entries(env.connections)) {
      if (conn.kind === 'duckdb' && conn.demo) {
        const result = await ensureDemoWarehouse(path.resolve(siteDir, conn.path));
        if (result.seeded) console.log(`opsbook: seeded the demo warehouse for ${envName}/${name} (${result.reason})${result.report ? ` — ${result.report.tables} tables, ${result.report.rows} rows in ${result.report.elapsedMs} ms` : ''}`);
      }
    }
  }
  // A production read profile that could read server files or run programs is refused before serving.
  await checkReadProfiles(config, siteDir, (m) => console.error(`opsbook: ${m}`));
  const connectors = createConnectorRegistry(config, siteDir);
  const log = (m: string) => console.error(`opsbook: ${m}`);
  const store = await openStateStore(config, siteDir, log);
  const port = Number(process.env.PORT ?? 3000);
  const instance = instanceId(process.env, port);
  // Before serving: runs a crash left open become `interrupted`, so nobody reads them as still going.
  const liveness = await startLiveness(store, instance, config.audit.store === 'postgres', log);
  await liveness.recover();
  const audit = storeAuditSink(store, log, instance);
  // A schedule that names a write, an escalation step or an unknown check stops the start, like a config error.
  const scheduleProblems = validateSchedules({ config, manifest });
  if (scheduleProblems.length) throw new ConfigError(path.relative(siteDir, file) || file, scheduleProblems);
  const stateDir = path.resolve(siteDir, config.audit.store === 'duckdb' ? path.dirname(config.audit.path) : '.opsbook');
  // Large results kept for their owners' pages (issue 14); this instance's own, so named after it.
  const keptResults = config.results.keep
    ? await KeptResults.open(path.join(stateDir, `kept-results-${instance.replace(/[^A-Za-z0-9-]/g, '_')}`), {
        maxRows: config.results.maxRows, maxBytes: config.results.maxBytes, totalBytes: config.results.totalBytes, ttlMs: config.results.ttlMinutes * 60_000,
      })
    : null;
  const app = createApp({
    config,
    manifest,
    connectors,
    store,
    audit,
    authenticator: createAuthenticator(config.auth),
    log,
    instance,
    opsData: opsDataOf(siteDir, log),
    ...(keptResults ? { keptResults } : {}),
    ...(process.env.OPSBOOK_INTERNAL_URL ? { internalUrl: process.env.OPSBOOK_INTERNAL_URL } : {}),
    ...(process.env.OPSBOOK_API_ONLY === '1' ? {} : { siteDir: path.join(siteDir, 'build') }),
    extraOrigins: (process.env.OPSBOOK_EXTRA_ORIGINS ?? '').split(',').filter(Boolean),
    // Without server.csrfSecret: one kept beside the state, so a restart does not invalidate open pages.
    ...(config.server.csrfSecret ? {} : { csrfSecret: loadOrCreateCsrfSecret(stateDir) }),
    // Without operations.signingKey: one kept beside the state, so reports exported before a restart still verify.
    ...(config.operations.signingKey ? {} : { operationsKey: loadOrCreateSigningKey(stateDir) }),
  });
  const host = process.env.HOST ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    app.server.once('error', reject);
    app.server.listen(port, host, resolve);
  });
  const m = manifest.current();
  console.log(`opsbook: ${Object.keys(m.snippets).length} runnable snippets from ${path.relative(siteDir, manifestFile)}${m.dirty ? ' (built from uncommitted changes)' : ''}${config.manifest.publicKey ? ', signature verified' : ''}; config ${path.relative(siteDir, file)}; auth ${config.auth.mode}; state in ${config.audit.store}`);
  const address = app.server.address();
  console.log(`opsbook: serving on http://localhost:${typeof address === 'object' && address ? address.port : port}/ (instance ${instance})`);

  // After listening: the replay runs in the background and stops first when the server stops.
  const demoHistory = startDemoHistory({ config, manifest, connectors, audit, history: app.checks, days: Number(process.env.OPSBOOK_SEED_HISTORY_DAYS ?? 0), log: (m) => console.log(`opsbook: ${m}`) });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => demoHistory.stop());
  installShutdown({ app, audit, store, liveness, instance, shared: config.audit.store === 'postgres', closeConnectors: () => connectors.closeAll(), closeManifest: () => manifest.close(), log });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof ManifestError || (error as Error).name === 'DemoWarehouseLockedError' || (error as Error).name === 'PrivilegedReadProfileError') {
    console.error(`opsbook: cannot start: ${(error as Error).message}`);
  }
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') console.error(`opsbook: port ${process.env.PORT ?? 3000} is in use; set PORT to another port.`);
  else console.error('opsbook: cannot start:', error);
  process.exit(1);
});

/**
 * The data files (escalation ladders, rotations, people, approver labels) as the page has them: read once at
 * start, as the manifest's site was built from the same docs. A broken file is logged; approvals then do
 * not escalate, and everything else runs.
 */
function opsDataOf(siteDir: string, log: (m: string) => void): () => ServerOpsData {
  let data: ServerOpsData = {};
  try {
    data = loadDataFiles(siteDir) as ServerOpsData;
  } catch (error) {
    log(`APPROVAL ESCALATION WITHOUT DATA FILES: ${(error as Error).message}`);
  }
  return () => data;
}
