/**
 * Reading a kept result (issue 14, item 4):
 *   GET /api/results/:runId?offset=0&limit=200&sort=<column index>&desc=1&filter=<text>&column=<column index>
 *     → {columns, total, offset, rows}
 *   GET /api/results/:runId/csv?sort=&desc=&filter=&column=  → text/csv of every matching row, streamed
 * Only the user who ran it may read it (403 otherwise); an expired one answers 410 "run it again".
 * The first page read of a result and every export are recorded in the audit as `result_read`.
 *
 * Behind a load balancer (server/cluster/keptDirectory.ts) a result this instance does not hold is looked up
 * in the shared directory: ownership and expiry are decided here, the read is forwarded to the instance that
 * keeps it (its internal route, /internal/results/…, below), and recorded here once it answers.
 */
import { Router, type Request, type Response } from 'express';
import * as z from 'zod';
import type { AuditSink } from '../execution/audit';
import type { Identity } from '../identity';
import { cellText } from '../../src/components/RunnableBlock/csv';
import { KeptResultError, type KeptResults, type PageQuery } from '../results/keptResults';
import { HttpError } from './errors';
import { identityOf } from './routes';
import type { KeptDirectory } from '../cluster/keptDirectory';
import { FORWARD_TOKEN_HEADER, FORWARD_USER_HEADER, forwardKeptRead, OWNER_STOPPED, verifyForward, type KeptReadKind } from '../cluster/keptForward';

const index = z.coerce.number().int().min(0).max(10_000);
const querySchema = z.strictObject({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).default(200),
  sort: index.optional(),
  desc: z.enum(['0', '1']).optional(),
  filter: z.string().max(200).optional(),
  column: index.optional(),
});

function queryOf(req: Request): PageQuery {
  const parsed = querySchema.safeParse(req.query);
  if (!parsed.success) throw new HttpError(400, 'bad_request', `Bad result query: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const q = parsed.data;
  return {
    offset: q.offset,
    limit: q.limit,
    ...(q.sort !== undefined ? { sort: { column: q.sort, descending: q.desc === '1' } } : {}),
    ...(q.filter ? { filter: { text: q.filter, ...(q.column !== undefined ? { column: q.column } : {}) } } : {}),
  };
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const asHttp = (error: unknown): unknown =>
  error instanceof KeptResultError ? new HttpError(error.status, error.code, error.hint ? `${error.message} ${error.hint}` : error.message) : error;

/** The cluster side of reads: where other instances' results are, and the key forwarded reads are signed with. */
export interface KeptCluster {
  readonly directory: KeptDirectory;
  readonly instance: string;
  readonly key: Buffer;
  readonly now: () => number;
}

type Identified = Pick<Identity, 'user' | 'roles'>;

/** Writes a page of `runId` for `user` from this instance's store. */
async function servePage(results: KeptResults, user: string, runId: string, req: Request, res: Response): Promise<void> {
  res.json(await results.page(user, runId, queryOf(req)));
}

/** Streams the CSV of `runId` for `user` from this instance's store; `started` runs once the result is found. */
async function serveCsv(results: KeptResults, user: string, runId: string, req: Request, res: Response, started: () => Promise<unknown>): Promise<void> {
  const { sort, filter } = queryOf(req);
  const columns = await results.columnsOf(user, runId);
  const rows = results.allRows(user, runId, { ...(sort ? { sort } : {}), ...(filter ? { filter } : {}) });
  await started();
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="result-${runId.replace(/[^A-Za-z0-9-]/g, '')}.csv"`);
  res.write(`${columns.map((c) => csvField(c.name)).join(',')}\r\n`);
  for await (const chunk of rows) {
    const text = chunk.map((row) => `${row.map((cell) => csvField(cellText(cell))).join(',')}\r\n`).join('');
    // A slow download must not fill the server's memory: wait for the socket to drain.
    if (!res.write(text)) await new Promise<void>((resolve) => res.once('drain', () => resolve()));
  }
  res.end();
}

const searchOf = (req: Request): string => {
  const q = req.originalUrl.indexOf('?');
  return q < 0 ? '' : req.originalUrl.slice(q);
};

export function keptResultsRouter(deps: { readonly results: KeptResults | null; readonly audit: AuditSink; readonly cluster?: KeptCluster | null }): Router {
  const router = Router();
  /** Results whose first page read was recorded already: scrolling through one is one read, not hundreds. */
  const recorded = new Set<string>();

  const record = (identity: Identified, runId: string, detail: string) =>
    deps.audit.record({
      kind: 'result_read', user: identity.user, roles: identity.roles, snippet: null, sha256: null, runbook: null, step: null, env: null, params: {},
      approval: null, runId, startedAt: null, endedAt: null, status: 'succeeded', rowCount: null, check: null, errorCode: null, detail,
    });
  const recordFirstRead = async (identity: Identified, runId: string) => {
    const key = `${identity.user}\u0000${runId}`;
    if (recorded.has(key)) return;
    recorded.add(key);
    await record(identity, runId, 'read the kept result in the page');
  };
  const exportDetail = (req: Request) => {
    const { filter } = queryOf(req);
    return `exported the kept result as CSV${filter ? ` (filter "${filter.text}")` : ''}`;
  };

  const store = (): KeptResults => {
    if (!deps.results) throw new HttpError(404, 'result_not_found', 'This server keeps no results (results.keep is off).');
    return deps.results;
  };

  /**
   * Forwards the read when another instance keeps `runId`; false when this instance answers it (it holds or
   * held it, or no instance announced it). Ownership and expiry are decided here, from the directory.
   */
  const forwarded = async (kind: KeptReadKind, identity: Identified, runId: string, req: Request, res: Response): Promise<boolean> => {
    const cluster = deps.cluster;
    if (!cluster || deps.results?.knows(runId)) return false;
    queryOf(req); // a bad query is refused here, like a local one, not after a round trip
    const where = await cluster.directory.locate(runId).catch((error: unknown) => {
      throw new HttpError(503, 'unavailable', `Could not look up which Opsbook server keeps this result (the shared store did not answer: ${(error as Error).message}); try again in a moment.`);
    });
    if (!where) return false;
    // This instance's name but not its store: a previous life of this instance kept it.
    if (where.instance === cluster.instance || !where.live) throw new HttpError(410, 'result_gone', OWNER_STOPPED);
    // Owned by whoever ran it: not an approver's nor an admin's to read (the result may hold customer data).
    if (where.owner !== identity.user) throw new HttpError(403, 'forbidden', 'This result belongs to the user who ran it; only they can read it.');
    if (where.expiresAt <= new Date(cluster.now()).toISOString()) {
      throw new HttpError(410, 'result_expired', 'This result is no longer kept on the server: it expired. Run it again to get a fresh result.');
    }
    await forwardKeptRead({
      where, kind, user: identity.user, search: searchOf(req), key: cluster.key, res, now: cluster.now(),
      onAnswered: () => (kind === 'page' ? recordFirstRead(identity, runId) : record(identity, runId, exportDetail(req))),
    });
    return true;
  };

  router.get('/results/:runId', async (req, res, next) => {
    try {
      const identity = identityOf(res);
      const runId = req.params.runId;
      if (await forwarded('page', identity, runId, req, res)) return;
      const page = await store().page(identity.user, runId, queryOf(req));
      await recordFirstRead(identity, runId);
      res.json(page);
    } catch (error) {
      if (res.headersSent) return void res.destroy(error as Error);
      next(asHttp(error));
    }
  });

  router.get('/results/:runId/csv', async (req, res, next) => {
    try {
      const identity = identityOf(res);
      const runId = req.params.runId;
      if (await forwarded('csv', identity, runId, req, res)) return;
      await serveCsv(store(), identity.user, runId, req, res, () => record(identity, runId, exportDetail(req)));
    } catch (error) {
      if (res.headersSent) return void res.destroy(error as Error);
      next(asHttp(error));
    }
  });
  return router;
}

/**
 * The owner's side of a forwarded read: only a request signed by another instance of the cluster for this run,
 * user and kind of read (keptForward.ts). No audit record: the instance that forwarded it made it.
 */
export function internalKeptResultsRouter(deps: { readonly results: KeptResults | null; readonly key: Buffer; readonly now: () => number }): Router {
  const router = Router();
  const forwardedUser = (kind: KeptReadKind, req: Request): string => {
    const token = req.header(FORWARD_TOKEN_HEADER);
    const user = verifyForward(deps.key, kind, String(req.params.runId), token, req.header(FORWARD_USER_HEADER), deps.now());
    if (user === null) throw new HttpError(403, 'forbidden', 'Only another Opsbook instance of this cluster may read results here.');
    return user;
  };
  const store = (): KeptResults => {
    if (!deps.results) throw new HttpError(404, 'result_not_found', 'This server keeps no results (results.keep is off).');
    return deps.results;
  };
  router.get('/results/:runId', async (req, res, next) => {
    try {
      await servePage(store(), forwardedUser('page', req), req.params.runId, req, res);
    } catch (error) {
      next(asHttp(error));
    }
  });
  router.get('/results/:runId/csv', async (req, res, next) => {
    try {
      await serveCsv(store(), forwardedUser('csv', req), req.params.runId, req, res, async () => undefined);
    } catch (error) {
      if (res.headersSent) return void res.destroy(error as Error);
      next(asHttp(error));
    }
  });
  return router;
}
