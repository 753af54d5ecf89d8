/**
 * createApp(deps): the HTTP API, the static site and the WebSocket on one http.Server. It never listens
 * itself, so tests run it in-process on an ephemeral port and the process entry owns the lifecycle.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import type { StateStore } from './audit/types';
import { AuthError, type Authenticator } from './auth/types';
import type { OpsbookConfig } from './config';
import type { ConnectorRegistry } from './connectors/registry';
import { ApprovalHub, RunRegistry, UserRunCounter } from './events';
import { createApprovalService } from './execution/approvals';
import { internalKeptResultsRouter, keptResultsRouter } from './http/keptResults';
import { keptResultsCluster } from './cluster/keptCluster';
import type { KeptResults } from './results/keptResults';
import { createRequiredActionService } from './execution/requiredActions';
import { createRunStarters } from './connectors/airflow/execute/runStarters';
import type { AuditSink } from './execution/audit';
import type { ManifestStore } from './execution/manifestStore';
import { csrfProtection } from './http/csrf';
import { csrfSigner } from './http/csrfToken';
import { apiNotFound, errorMiddleware, HttpError } from './http/errors';
import { originPolicy } from './http/origins';
import { httpRateLimits } from './http/rateLimit';
import { apiRouter } from './http/routes';
import { answerClientError } from './http/clientError';
import type { Identity } from './identity';
import { createNotifier } from './notify';
import { startAutomation } from './automation';
import { automationRouter } from './notifications/api';
import { attachSession } from './ws/session';
import { createAirflowConnections } from './connectors/airflow/connections';
import { createSystemConnections } from './connectors/systems/connections';
import { defaultDemoSystems, startDemoSystems, type DemoSystemsOptions } from './demo/systems';
import { demoDbtCloud } from './demo/dbtCloud/index';
import { demoTableau } from './demo/tableau/index';
import { demoSlack } from './demo/slack/index';
import { demoDatabricks } from './demo/databricks/index';
import { extractBucket } from './demo/s3/extracts';
import { sandboxFor } from './demo/airflow/mount';
import { createSocketServer, originAllowed, refuseUpgrade } from './ws/upgrade';
import { closeAtExpiry } from './ws/identityExpiry';
import { inboundBudget } from './ws/inboundBudget';
import type { CheckHistory } from './checks/types';
import { checksRouter } from './http/checks';
import { openPushBus, type PushBus } from './push';
import { postgresRunLeases } from './cluster/runLeases';
import { auditLocator, runRelay } from './cluster/relay';
import { livenessTiming } from './audit/liveness';
import { RunStreams, type Scheduler } from './ws/runStreams';
import type { SocketAdmission } from './ws/session';
import { closeForPolicy } from './ws/policyClose';
import { wireOperations, type OperationsWiring } from './operations/wiring';
import { busOperationFeed, type OperationFeed } from './operations/feed';
import type { SigningKey } from './operations/export/signing';
import { approversRouter } from './http/approvers';
import { isMember } from './approvers/membership';
import { createApprovalRouting, type ServerOpsData } from './approvers/routing';
import { createPaging } from './approvers/paging';
import { sqlPageDeliveries } from './approvers/pageDeliveries';
import type { SettledDelivery } from './notifications/types';

export interface AppDeps {
  readonly config: OpsbookConfig;
  readonly manifest: ManifestStore;
  readonly connectors: ConnectorRegistry;
  readonly store: StateStore;
  readonly audit: AuditSink;
  readonly authenticator: Authenticator;
  /** The built site to serve; omitted in API-only tests and in author mode (the dev server serves it). */
  readonly siteDir?: string;
  readonly log?: (message: string) => void;
  readonly now?: () => Date;
  /** Origins allowed besides the configured ones (author mode adds the dev server's). */
  readonly extraOrigins?: readonly string[];
  /** Signs CSRF tokens when the configuration has no server.csrfSecret (index.ts keeps one in the state dir). */
  readonly csrfSecret?: string;
  /** Where check results are kept; the state store's own history when absent (issue 11). */
  readonly checks?: CheckHistory;
  /** This instance's name (audit, outbox claims, schedule firings); default `local`. */
  readonly instance?: string;
  /** How pushes reach every instance; default from the store (server/push). Closed with the app only when made here. */
  readonly push?: PushBus;
  /** When a dropped run's grace period ends (ws/runStreams.ts); tests inject their own. */
  readonly schedule?: Scheduler;
  /** Live operation updates (issue 12); in-process when absent (a cross-instance feed can be passed). */
  readonly operationFeed?: OperationFeed;
  /** Signs operation exports; a fresh key per process when absent (index.ts keeps one in the state dir). */
  readonly operationsKey?: SigningKey;
  /**
   * The data files (docs/**\/_data: escalation ladders, rotations, people, approver labels) that approval
   * escalation and paging resolve people from; index.ts loads them. Without them requests do not escalate.
   */
  readonly opsData?: () => ServerOpsData;
  /** The demo's system stand-ins (the demo S3's buckets and extracts); tests give their own. */
  readonly demoSystems?: DemoSystemsOptions;
  /** Where large results are kept (issue 14; index.ts opens it in the state dir); reads are cut at rowsPerRun when absent. */
  readonly keptResults?: KeptResults;
  /**
   * How other instances reach this one, for kept-result reads forwarded to it (OPSBOOK_INTERNAL_URL); default
   * the address it listens on (its host name when it listens on every interface).
   */
  readonly internalUrl?: string;
}

export interface App {
  readonly server: http.Server;
  /** Stops accepting, cancels every run by closing sockets, and closes connections. */
  close(): Promise<void>;
  /** Every check result goes through it; alerts subscribe to `onTransition`. Null where the store keeps none. */
  readonly checks: CheckHistory | null;
  /** Publish here to reach the sockets of every instance (server/push/types.ts). */
  readonly push: PushBus;
}

export function createApp(deps: AppDeps): App {
  const log = deps.log ?? ((m: string) => console.error(m));
  const now = deps.now ?? (() => new Date());
  // Resolved lazily: the demo's default origins are the loopback ones on the port the server listens on.
  let server: http.Server | null = null;
  const origins = originPolicy(deps.config, deps.extraOrigins ?? [], () => server);
  // One secret per cluster (server.csrfSecret, or the state directory's on one machine): it signs CSRF tokens
  // and, derived, the kept-result reads one instance forwards to another.
  const sharedSecret = deps.config.server.csrfSecret ?? deps.csrfSecret ?? randomBytes(32).toString('base64url');
  const signer = csrfSigner(sharedSecret);
  const csrf = csrfProtection({ origins, signer, mode: deps.authenticator.mode });
  const rateLimits = httpRateLimits(deps.config, log);
  const push = deps.push ?? openPushBus(deps.store, log);
  // Approval pushes reach the requester and the members of the request's role (and admins), nobody else.
  const hub = new ApprovalHub(push, (approval, i) => isMember(deps.config, approval.approverRole, i) || i.roles.includes('admin'));
  // Across instances on a shared PostgreSQL the per-user limit is a lease table; alone, a counter in memory.
  const sql = deps.store.sql;
  const leases = sql?.engine === 'postgres' && sql.url && sql.schema
    ? postgresRunLeases({ url: sql.url, schema: sql.schema, instance: deps.instance ?? 'local', staleAfterMs: livenessTiming(process.env).staleAfterMs, log })
    : null;
  const userRuns = leases ?? new UserRunCounter();
  const streams = new RunStreams({
    graceMs: deps.config.limits.resumeGraceMs, replayBytes: deps.config.limits.replayBytes, highWaterBytes: deps.config.limits.socketHighWaterBytes, log,
    ...(deps.schedule ? { schedule: deps.schedule } : {}),
  });
  // A page that reconnects to another instance gets its run's stream relayed from the one running it.
  const relay = leases && sql
    ? runRelay({ bus: push, streams, instance: deps.instance ?? 'local', locate: auditLocator(sql.exec, sql.prefix, livenessTiming(process.env).staleAfterMs), log })
    : null;
  // Kept results are each instance's own; the shared directory says where, so any instance can answer a read.
  const keptCluster = leases && sql && deps.keptResults ? keptResultsCluster({ sql, results: deps.keptResults, instance: deps.instance ?? 'local', internalUrl: deps.internalUrl, server: () => server, sharedSecret, log }) : null;
  const activeRuns = new RunRegistry();
  const checks = deps.checks ?? deps.store.checks ?? null;
  // Outbox, alerts and schedules; schedules run checks through the same runner as pages (no approvals).
  // Deliveries are told to the Page action (made below) so a page in an operation records the receiver's answer.
  let pageDelivered: (d: SettledDelivery) => void = () => undefined;
  const automation = startAutomation({
    onDelivery: (d) => pageDelivered(d),
    runner: { config: deps.config, manifest: deps.manifest, connectors: deps.connectors, audit: deps.audit, approvals: null, log, ...(deps.now ? { now: deps.now } : {}), ...(checks ? { checks } : {}) },
    store: deps.store, instance: deps.instance ?? 'local', log,
    ...(checks ? { history: checks } : {}),
  });
  const notify = createNotifier(deps.config.notifications, automation.outbox);
  // Operation updates travel on the push bus, so two browsers on two instances see one operation live.
  const operations: OperationsWiring = wireOperations({ ...deps, operationFeed: deps.operationFeed ?? busOperationFeed(push, log), now, log });
  const runStarters = createRunStarters();
  const opsData = deps.opsData ?? (() => ({}));
  const routing = createApprovalRouting({ config: deps.config, manifest: deps.manifest, store: deps.store, data: opsData, outbox: automation.outbox, audit: deps.audit, now, log, push: (approval) => hub.publish(approval) });
  routing.start();
  const paging = createPaging({
    config: deps.config, data: opsData, outbox: automation.outbox, audit: deps.audit, routing, now, operations: operations.service, log,
    ...(sql ? { deliveries: sqlPageDeliveries(sql) } : {}),
  });
  pageDelivered = (d) => void paging.delivered(d);
  // Once the outbox's tables exist: outcomes settled while the server was stopping are recorded now.
  void automation.ready
    .then(({ outbox }) => (outbox ? paging.recover() : 0))
    .catch((error: unknown) => log(`paging: could not record page deliveries left from before a restart (${(error as Error).message}).`));
  const approvals = createApprovalService({
    config: deps.config,
    manifest: deps.manifest,
    store: deps.store,
    connectors: deps.connectors,
    audit: deps.audit,
    now,
    // The Airflow connections exist once the server does (the sandbox's address); resolved when asked.
    airflow: () => airflow,
    routing,
    operations: operations.service,
    published: (approval, event) => {
      hub.publish(approval);
      // A new request is announced by the routing (to its role's channels, with the ladder's first level).
      if (event === 'approved' || event === 'rejected') void notify(event, approval);
      void operations.service?.approvalChanged(approval, event);
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          // Docusaurus inlines a small script that applies the colour mode before paint.
          scriptSrc: ["'self'", "'unsafe-inline'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'", ...connectSources(deps.config.server.publicOrigins ?? [], deps.config.server.allowedOrigins, deps.extraOrigins ?? [])],
          upgradeInsecureRequests: null,
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  // Author mode serves the page from the dev server's origin: let exactly the allowed origins use the API.
  // Reads another instance forwards here (signed; server/cluster/keptForward.ts): outside /api, whose user
  // authentication, rate limits and audit the forwarding instance applied already.
  if (keptCluster) app.use('/internal', internalKeptResultsRouter({ results: deps.keptResults ?? null, key: keptCluster.key, now: keptCluster.now }));
  app.use('/api', (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && origins.allows(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-CSRF-Token');
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS') return void res.status(204).end();
    }
    next();
  });
  app.use('/api', express.json({ limit: deps.config.limits.maxMessageBytes }));
  app.use('/api', (req, res, next) => {
    if (req.path === '/health') return next();
    deps.authenticator.authenticate(req).then(
      (identity) => {
        res.locals.identity = identity;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof AuthError)) return next(error);
        rateLimits.anonymous(req, res, next, new HttpError(401, 'unauthenticated', error.message));
      },
    );
  });
  app.use('/api', rateLimits.perUser);
  app.use('/api', (req, res, next) => (req.path === '/health' ? next() : csrf(req, res, next)));
  app.use('/api', apiRouter({ config: deps.config, manifest: deps.manifest, authenticator: deps.authenticator, store: deps.store, approvals, startedAt: new Date(), signer, now, ...operations.apiHooks,
    requiredActions: createRequiredActionService({ config: deps.config, manifest: deps.manifest, audit: deps.audit, airflow: () => airflow, starters: runStarters }) }));
  app.use('/api', operations.router);
  app.use('/api', checksRouter({ config: deps.config, manifest: deps.manifest, history: checks, now }));
  app.use('/api', automationRouter(automation));
  app.use('/api', approversRouter({ config: deps.config, routing, paging, data: opsData }));
  app.use('/api', keptResultsRouter({ results: deps.keptResults ?? null, audit: deps.audit, cluster: keptCluster }));
  app.use('/api', apiNotFound);
  // The Airflow-compatible sandbox of the demo environment (issue #4), when one is configured.
  // Its ecommerce extract task writes to the demo S3 the page's S3 blocks list (started on first use).
  const sandbox = sandboxFor(deps.config, { connectors: deps.connectors, authenticator: deps.authenticator, csrf, log, training: { manifest: deps.manifest, store: deps.store, commands: () => ({ airflow, systems }) }, s3: () => demoSystems.local(),
    // DailyRefresh is a dbt Cloud job: the sandbox's task triggers it in the demo dbt Cloud, as a dbt-cloud block does.
    dbtCloud: async () => {
      if (!demoDbt) throw new Error('this server has no demo dbt Cloud to run DailyRefresh in');
      return demoDbt.endpoint(listening);
    },
    // The KPI extracts are refreshed in the demo Tableau, through its REST API, as a tableau block does.
    tableau: async () => {
      if (!demoTab) throw new Error('this server has no demo Tableau to refresh the extracts in');
      return demoTab.endpoint(listening);
    } });
  const demoExtracts = () => (sandbox ? sandbox.extracts() : demoSystems.local().then(extractBucket));
  if (sandbox) app.use('/demo/airflow', sandbox.router);
  // The demo's dbt Cloud (Administrative API v2), when an environment has {kind: dbt-cloud, demo: true}.
  const dbtEnv = Object.entries(deps.config.environments).find(([, e]) => Object.values(e.connections).some((c) => c.kind === 'dbt-cloud' && c.demo))?.[0];
  const demoDbt = dbtEnv ? demoDbtCloud({ connectors: deps.connectors, env: dbtEnv, log, faults: () => sandbox?.faults ?? null, ...(deps.now ? { now: deps.now } : {}) }) : null;
  if (demoDbt) app.use('/demo/dbt-cloud', demoDbt.router);
  // The demo's Tableau (REST API) and Slack (incoming webhooks), when an environment has them with demo: true.
  const tableauEnv = Object.entries(deps.config.environments).find(([, e]) => Object.values(e.connections).some((c) => c.kind === 'tableau' && c.demo))?.[0];
  const demoTab = tableauEnv ? demoTableau({ connectors: deps.connectors, env: tableauEnv, log, faults: () => sandbox?.faults ?? null, ...(deps.now ? { now: deps.now } : {}) }) : null;
  if (demoTab) app.use('/demo/tableau', demoTab.router);
  const slackDemo = Object.values(deps.config.environments).some((e) => Object.values(e.connections).some((c) => c.kind === 'slack' && c.demo)) ? demoSlack({ log }) : null;
  if (slackDemo) app.use('/demo/slack', slackDemo.router);
  // The demo's Databricks (Pipelines API 2.0), when an environment has {kind: databricks, demo: true}.
  const databricksEnv = Object.entries(deps.config.environments).find(([, e]) => Object.values(e.connections).some((c) => c.kind === 'databricks' && c.demo === true))?.[0];
  // Its updates load the extract files from the demo S3 and meet the sandbox's training faults, as Airflow's do.
  const demoDlt = databricksEnv ? demoDatabricks({ connectors: deps.connectors, env: databricksEnv, log, extracts: demoExtracts, faults: () => sandbox?.faults ?? null, ...(deps.now ? { now: deps.now } : {}) }) : null;
  if (demoDlt) app.use('/demo/databricks', demoDlt.router);
  if (deps.siteDir) {
    const siteDir = deps.siteDir;
    app.use((req, res, next) => (req.path.endsWith('/opsbook-manifest.json') ? res.status(404).end() : next()));
    app.use(express.static(siteDir, { index: 'index.html', extensions: ['html'], redirect: false }));
    const notFound = path.join(siteDir, '404.html');
    app.use((_req, res) => (fs.existsSync(notFound) ? res.status(404).sendFile(notFound) : res.status(404).send('Not found')));
  }
  app.use(errorMiddleware(log));

  const listening = http.createServer(app);
  server = listening;
  // Malformed or oversized request heads never reach express: answer them in the API's error shape.
  listening.on('clientError', answerClientError);
  const airflow = createAirflowConnections(deps.config, () => sandbox?.endpoint(listening) ?? null);
  // S3, dbt Cloud and paging blocks; the demo's stand-ins for them start only when a block first needs one.
  const demoSystems = startDemoSystems({
    ...(deps.demoSystems ?? defaultDemoSystems(deps.config, deps.connectors, log)),
    // After the demo warehouse rolls to a new day, the sandbox writes the new day's files bronze has: before a read.
    ...(sandbox && !deps.demoSystems ? { refreshS3: async () => void (await sandbox.extracts()) } : {}),
    ...(demoDbt ? { dbtCloud: async () => demoDbt.endpoint(listening) } : {}),
    ...(demoTab ? { tableau: async () => demoTab.endpoint(listening) } : {}),
    ...(slackDemo ? { slack: async () => slackDemo.endpoint(listening) } : {}),
    ...(demoDlt ? { databricks: async () => demoDlt.endpoint(listening) } : {}),
  });
  const systems = createSystemConnections(deps.config, demoSystems);
  const wss = createSocketServer(deps.config.limits.maxMessageBytes);
  listening.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api/ws') return refuseUpgrade(socket, 400, `No WebSocket endpoint at ${url.pathname}; use /api/ws.`);
    if (!originAllowed(req, origins)) {
      void deps.audit.record(refusal(req.headers.origin ? `cross-origin socket from ${req.headers.origin}` : 'socket without Origin', 'forbidden'));
      return refuseUpgrade(socket, 403, `Origin ${req.headers.origin ?? '(none)'} may not open the run socket; if operators reach Opsbook there, add it to server.publicOrigins.`);
    }
    deps.authenticator.authenticate(req).then(
      (identity) => {
        wss.handleUpgrade(req, socket, head, (ws) => {
          closeAtExpiry(ws, identity, now().getTime());
          attachSession(ws, identity, {
            config: deps.config,
            manifest: deps.manifest,
            connectors: deps.connectors,
            audit: deps.audit,
            approvals,
            airflow,
            runStarters,
            systems,
            checks,
            log,
            operations: operations.service,
            keptResults: deps.keptResults ?? null,
            ...(deps.now ? { now: deps.now } : {}),
          }, { hub, userRuns, streams, ...(relay ? { relay } : {}), runs: activeRuns, admit: socketBudget(ws, socket, identity), operations: operations.feed });
        });
      },
      (error: unknown) => {
        if (error instanceof HttpError) return refuseUpgrade(socket, error.status, error.message); // a malformed cookie
        void deps.audit.record(refusal(`socket refused: ${(error as Error).message}`, 'forbidden'));
        refuseUpgrade(socket, 401, error instanceof AuthError ? error.message : 'Authentication failed.');
      },
    );
  });

  /**
   * The socket's inbound budget: over it, the sender is told which limit and when to retry; a socket that
   * keeps flooding is closed (1008) and the close is audited as a refusal.
   */
  function socketBudget(ws: import('ws').WebSocket, tcp: import('node:stream').Duplex, identity: Identity): (bytes: number) => SocketAdmission {
    const budget = inboundBudget(deps.config.limits);
    let closing = false;
    return (bytes) => {
      if (closing) return { ok: false, closing: true }; // frames already in flight after the close: drop them unread
      const admission = budget.admit(bytes);
      if (admission.ok) return { ok: true };
      // Under the flood threshold the session answers the message it refused (a run gets its own `done`).
      if (!admission.close) return { ok: false, closing: false, message: admission.message, retryMs: admission.retryMs };
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'error', code: 'bad_message', message: admission.message }));
      closing = true;
      void deps.audit.record(refusal(`socket closed for flooding: ${admission.message}`, 'bad_message', identity));
      // The close frame and its reason reach the page before the connection goes (ws/policyClose.ts).
      closeForPolicy(ws, tcp, 1008, 'Over the message limit; reload the page to reconnect.');
      return { ok: false, closing: true };
    };
  }

  return {
    server: listening,
    checks,
    push,
    async close() {
      // Stop accepting first, then cancel every run and wait until each has sent its `done` and completed
      // its audit record; only then tell the pages to reconnect (1001, going away).
      const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
      const stuck = await activeRuns.abortAll(6_000);
      if (stuck) log(`shutdown: ${stuck} run(s) did not stop within 6 s of being cancelled`);
      // Each socket's close handler still writes (e.g. its coalesced bad-message count): wait for it, bounded.
      const socketsClosed = [...wss.clients].map((ws) => {
        const gone = new Promise<void>((resolve) => ws.once('close', () => resolve()));
        ws.close(1001, 'The Opsbook server is restarting; reconnect in a moment.');
        setTimeout(() => ws.terminate(), 1_000).unref();
        return gone;
      });
      await Promise.all(socketsClosed);
      wss.close();
      listening.closeAllConnections();
      await closed;
      await rateLimits.close();
      await routing.close();
      await automation.close();
      relay?.close();
      if (!deps.push) await push.close();
      await leases?.close();
      sandbox?.close();
      airflow.closeAll();
      systems.closeAll();
      await demoSystems.close();
      await deps.audit.flush();
    },
  };
}

/** An audit record for an attempt refused before a run: before anyone was identified, or a flooding socket. */
function refusal(detail: string, errorCode: 'forbidden' | 'bad_message', who?: Identity) {
  return {
    kind: 'run' as const, user: who?.user ?? '(unauthenticated)', roles: who ? [...who.roles] : [], snippet: null, sha256: null, runbook: null, step: null, env: null, params: {},
    approval: null, runId: null, startedAt: null, endedAt: null, status: 'rejected' as const, rowCount: null, check: null, errorCode, detail,
  };
}

/** The CSP's connect-src: every configured origin, in http and ws form ('self' covers the demo's own). */
function connectSources(...lists: (readonly string[])[]): string[] {
  const all = lists.flat();
  return [...all, ...all.map((o) => o.replace(/^http/, 'ws'))];
}
