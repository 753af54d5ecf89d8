/**
 * GET /api/checks and GET /api/checks/history (issue 11): every check with its status for an environment
 * and business date, and one check's recorded results. Any signed-in user may read them, as they may
 * read the runbooks; running a check goes through the socket and its rules.
 */
import { Router } from 'express';
import * as z from 'zod';
import type { OpsbookConfig } from '../config';
import { defaultEnvironmentOf } from '../config';
import type { ManifestStore } from '../execution/manifestStore';
import type { CheckHistoryResponse } from '../checks/api';
import { checkCatalog } from '../checks/catalog';
import type { CheckHistory } from '../checks/types';
import { HttpError } from './errors';

export interface ChecksRouteDeps {
  readonly config: OpsbookConfig;
  readonly manifest: ManifestStore;
  readonly history: CheckHistory | null;
  readonly now: () => Date;
}

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'write dates as YYYY-MM-DD');
const checksQuery = z.object({ env: z.string().min(1).max(64).optional(), date: date.optional() });
const historyQuery = z.object({ env: z.string().min(1).max(64), key: z.string().min(1).max(300), limit: z.coerce.number().int().min(1).max(1000).default(100) });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new HttpError(400, 'bad_request', `${i.path.join('.') || 'query'}: ${i.message}.`);
}

export function checksRouter(deps: ChecksRouteDeps): Router {
  const router = Router();
  const historyOf = (): CheckHistory => {
    if (!deps.history) throw new HttpError(503, 'unavailable', 'This server keeps no check history (its state store has none).');
    return deps.history;
  };
  const environment = (name: string) => {
    const env = Object.hasOwn(deps.config.environments, name) ? deps.config.environments[name] : undefined;
    if (!env) throw new HttpError(404, 'not_found', `There is no environment "${name}". Known: ${Object.keys(deps.config.environments).join(', ')}.`);
    return env;
  };
  router.get('/checks', (req, res, next) => {
    const q = parse(checksQuery, req.query);
    const name = q.env ?? defaultEnvironmentOf(deps.config);
    const env = environment(name);
    const connectionKinds = Object.fromEntries(Object.entries(env.connections).map(([c, conn]) => [c, conn.kind]));
    checkCatalog({ manifest: deps.manifest.current(), env: name, connectionKinds, date: q.date ?? null, now: deps.now(), history: historyOf() }).then((body) => res.json(body), next);
  });
  router.get('/checks/history', (req, res, next) => {
    const q = parse(historyQuery, req.query);
    environment(q.env);
    historyOf()
      .series(q.env, q.key, q.limit)
      .then((results) => res.json({ results } satisfies CheckHistoryResponse), next);
  });
  return router;
}
