/** The JSON API (DESIGN.md §5): health, identity, environments. */
import { Router } from 'express';
import { defaultEnvironmentOf, type OpsbookConfig } from '../config';
import type { ManifestStore } from '../execution/manifestStore';
import type { Identity } from '../identity';
import type { EnvironmentInfo, MeInfo } from '../protocol';

export function environmentsOf(config: OpsbookConfig): EnvironmentInfo[] {
  return Object.entries(config.environments).map(([name, env]) => ({
    name,
    label: env.label ?? name,
    production: env.production,
    // Names and kinds only: connection settings may hold secrets.
    connections: Object.entries(env.connections).map(([cname, c]) => ({ name: cname, kind: c.kind, dialect: c.kind })),
  }));
}

export function apiRouter(deps: { config: OpsbookConfig; manifest: ManifestStore; identity: () => Identity; startedAt: Date }): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    const m = deps.manifest.current();
    res.json({
      status: 'ok',
      startedAt: deps.startedAt.toISOString(),
      manifest: { snippets: Object.keys(m.snippets).length, sha256: deps.manifest.hash(), commit: m.commit, dirty: m.dirty, builtAt: m.builtAt },
      environments: Object.keys(deps.config.environments),
    });
  });
  router.get('/me', (_req, res) => {
    const id = deps.identity();
    const me: MeInfo = { user: id.user, displayName: id.displayName, roles: id.roles, authMode: deps.config.auth.mode };
    res.json(me);
  });
  router.get('/environments', (_req, res) => {
    res.json({ environments: environmentsOf(deps.config), default: defaultEnvironmentOf(deps.config) });
  });
  return router;
}
