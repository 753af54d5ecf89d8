/**
 * createApp(deps): the HTTP API, the static site and the WebSocket on one http.Server. It never listens
 * itself, so tests run it in-process on an ephemeral port and the process entry owns the lifecycle.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import express from 'express';
import type { OpsbookConfig } from './config';
import type { ConnectorRegistry } from './connectors/registry';
import type { AuditSink } from './execution/audit';
import type { ManifestStore } from './execution/manifestStore';
import { apiNotFound, errorMiddleware } from './http/errors';
import { apiRouter } from './http/routes';
import { DEMO_OPERATOR, type Identity } from './identity';
import { attachSession } from './ws/session';
import { createSocketServer, originAllowed, refuseUpgrade } from './ws/upgrade';

export interface AppDeps {
  readonly config: OpsbookConfig;
  readonly manifest: ManifestStore;
  readonly connectors: ConnectorRegistry;
  readonly audit: AuditSink;
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
  const identity = (): Identity => DEMO_OPERATOR;
  const app = express();
  app.disable('x-powered-by');
  const allowedOrigins = [...deps.config.server.allowedOrigins, ...(deps.extraOrigins ?? [])];
  // Author mode serves the page from the dev server's origin: let exactly the allowed origins read the API.
  app.use('/api', (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && allowedOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    next();
  });
  app.use('/api', apiRouter({ config: deps.config, manifest: deps.manifest, identity, startedAt: new Date() }));
  app.use('/api', apiNotFound);
  if (deps.siteDir) {
    const siteDir = deps.siteDir;
    app.use((req, res, next) => (req.path.endsWith('/opsbook-manifest.json') ? res.status(404).end() : next()));
    app.use(express.static(siteDir, { index: 'index.html', extensions: ['html'] }));
    const notFound = path.join(siteDir, '404.html');
    app.use((_req, res) => (fs.existsSync(notFound) ? res.status(404).sendFile(notFound) : res.status(404).send('Not found')));
  }
  app.use(errorMiddleware(log));

  const server = http.createServer(app);
  const wss = createSocketServer(deps.config.limits.maxMessageBytes);
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api/ws') return refuseUpgrade(socket, 400, `No WebSocket endpoint at ${url.pathname}; use /api/ws.`);
    if (!originAllowed(req, allowedOrigins)) {
      return refuseUpgrade(socket, 403, `Origin ${req.headers.origin ?? '(none)'} may not open the run socket.`);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      attachSession(ws, identity(), { config: deps.config, manifest: deps.manifest, connectors: deps.connectors, audit: deps.audit, ...(deps.now ? { now: deps.now } : {}) });
    });
  });

  return {
    server,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
