/**
 * createApp(deps): the HTTP API, the static site and the WebSocket on one http.Server. It never listens
 * itself, so tests run it in-process on an ephemeral port and the process entry owns the lifecycle.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import type { StateStore } from './audit/types';
import { AuthError, type Authenticator } from './auth/types';
import type { OpsbookConfig } from './config';
import type { ConnectorRegistry } from './connectors/registry';
import { ApprovalHub, UserRunCounter } from './events';
import { createApprovalService } from './execution/approvals';
import type { AuditSink } from './execution/audit';
import type { ManifestStore } from './execution/manifestStore';
import { csrfProtection } from './http/csrf';
import { apiNotFound, errorMiddleware, HttpError } from './http/errors';
import { apiRouter } from './http/routes';
import { createNotifier } from './notify';
import { attachSession } from './ws/session';
import { createAirflowConnections } from './connectors/airflow/connections';
import { sandboxFor } from './demo/airflow/mount';
import { createSocketServer, originAllowed, refuseUpgrade } from './ws/upgrade';

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
}

export interface App {
  readonly server: http.Server;
  /** Stops accepting, cancels every run by closing sockets, and closes connections. */
  close(): Promise<void>;
}

export function createApp(deps: AppDeps): App {
  const log = deps.log ?? ((m: string) => console.error(m));
  const now = deps.now ?? (() => new Date());
  const allowedOrigins = [...deps.config.server.allowedOrigins, ...(deps.extraOrigins ?? [])];
  const hub = new ApprovalHub();
  const userRuns = new UserRunCounter();
  const notify = createNotifier(deps.config.notifications, log);
  const approvals = createApprovalService({
    config: deps.config,
    manifest: deps.manifest,
    store: deps.store,
    connectors: deps.connectors,
    audit: deps.audit,
    now,
    // The Airflow connections exist once the server does (the sandbox's address); resolved when asked.
    airflow: () => airflow,
    published: (approval, event) => {
      hub.publish(approval);
      if (event !== 'used') void notify(event, approval);
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
          connectSrc: ["'self'", ...allowedOrigins, ...allowedOrigins.map((o) => o.replace(/^http/, 'ws'))],
          upgradeInsecureRequests: null,
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  // Author mode serves the page from the dev server's origin: let exactly the allowed origins use the API.
  app.use('/api', (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && allowedOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-CSRF-Token');
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS') return void res.status(204).end();
    }
    next();
  });
  app.use('/api', express.json({ limit: deps.config.limits.maxMessageBytes }));
  app.use('/api', csrfProtection(allowedOrigins));
  app.use('/api', (req, res, next) => {
    if (req.path === '/health') return next();
    deps.authenticator.authenticate(req).then(
      (identity) => {
        res.locals.identity = identity;
        next();
      },
      (error: unknown) => next(error instanceof AuthError ? new HttpError(401, 'unauthenticated', error.message) : error),
    );
  });
  app.use('/api', apiRouter({ config: deps.config, manifest: deps.manifest, authenticator: deps.authenticator, store: deps.store, approvals, startedAt: new Date() }));
  app.use('/api', apiNotFound);
  // The Airflow-compatible sandbox of the demo environment (issue #4), when one is configured.
  const sandbox = sandboxFor(deps.config, { connectors: deps.connectors, authenticator: deps.authenticator, allowedOrigins, log, training: { manifest: deps.manifest, store: deps.store } });
  if (sandbox) app.use('/demo/airflow', sandbox.router);
  if (deps.siteDir) {
    const siteDir = deps.siteDir;
    app.use((req, res, next) => (req.path.endsWith('/opsbook-manifest.json') ? res.status(404).end() : next()));
    app.use(express.static(siteDir, { index: 'index.html', extensions: ['html'], redirect: false }));
    const notFound = path.join(siteDir, '404.html');
    app.use((_req, res) => (fs.existsSync(notFound) ? res.status(404).sendFile(notFound) : res.status(404).send('Not found')));
  }
  app.use(errorMiddleware(log));

  const server = http.createServer(app);
  const airflow = createAirflowConnections(deps.config, () => sandbox?.endpoint(server) ?? null);
  const wss = createSocketServer(deps.config.limits.maxMessageBytes);
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api/ws') return refuseUpgrade(socket, 400, `No WebSocket endpoint at ${url.pathname}; use /api/ws.`);
    if (!originAllowed(req, allowedOrigins)) {
      deps.audit.record(refusal(req.headers.origin ? `cross-origin socket from ${req.headers.origin}` : 'socket without Origin', 'forbidden'));
      return refuseUpgrade(socket, 403, `Origin ${req.headers.origin ?? '(none)'} may not open the run socket.`);
    }
    deps.authenticator.authenticate(req).then(
      (identity) => {
        wss.handleUpgrade(req, socket, head, (ws) => {
          attachSession(ws, identity, {
            config: deps.config,
            manifest: deps.manifest,
            connectors: deps.connectors,
            audit: deps.audit,
            approvals,
            airflow,
            ...(deps.now ? { now: deps.now } : {}),
          }, { hub, userRuns });
        });
      },
      (error: unknown) => {
        deps.audit.record(refusal(`socket refused: ${(error as Error).message}`, 'forbidden'));
        refuseUpgrade(socket, 401, error instanceof AuthError ? error.message : 'Authentication failed.');
      },
    );
  });

  return {
    server,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      sandbox?.close();
      airflow.closeAll();
      await deps.audit.flush();
    },
  };
}

/** An audit record for an attempt refused before anyone was identified. */
function refusal(detail: string, errorCode: 'forbidden') {
  return {
    kind: 'run' as const, user: '(unauthenticated)', roles: [], snippet: null, sha256: null, runbook: null, step: null, env: null, params: {},
    approval: null, runId: null, startedAt: null, endedAt: null, status: 'rejected' as const, rowCount: null, check: null, errorCode, detail,
  };
}
