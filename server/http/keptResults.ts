/**
 * Reading a kept result (issue 14, item 4):
 *   GET /api/results/:runId?offset=0&limit=200&sort=<column index>&desc=1&filter=<text>&column=<column index>
 *     → {columns, total, offset, rows}
 *   GET /api/results/:runId/csv?sort=&desc=&filter=&column=  → text/csv of every matching row, streamed
 * Only the user who ran it may read it (403 otherwise); an expired one answers 410 "run it again".
 * The first page read of a result and every export are recorded in the audit as `result_read`.
 */
import { Router, type Request } from 'express';
import * as z from 'zod';
import type { AuditSink } from '../execution/audit';
import type { Identity } from '../identity';
import { cellText } from '../../src/components/RunnableBlock/csv';
import { KeptResultError, type KeptResults, type PageQuery } from '../results/keptResults';
import { HttpError } from './errors';
import { identityOf } from './routes';

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

export function keptResultsRouter(deps: { readonly results: KeptResults | null; readonly audit: AuditSink }): Router {
  const router = Router();
  /** Results whose first page read was recorded already: scrolling through one is one read, not hundreds. */
  const recorded = new Set<string>();

  const record = (identity: Identity, runId: string, detail: string) =>
    deps.audit.record({
      kind: 'result_read', user: identity.user, roles: identity.roles, snippet: null, sha256: null, runbook: null, step: null, env: null, params: {},
      approval: null, runId, startedAt: null, endedAt: null, status: 'succeeded', rowCount: null, check: null, errorCode: null, detail,
    });

  const store = (): KeptResults => {
    if (!deps.results) throw new HttpError(404, 'result_not_found', 'This server keeps no results (results.keep is off).');
    return deps.results;
  };

  router.get('/results/:runId', async (req, res, next) => {
    try {
      const identity = identityOf(res);
      const runId = req.params.runId;
      const page = await store().page(identity.user, runId, queryOf(req));
      const key = `${identity.user}\u0000${runId}`;
      if (!recorded.has(key)) {
        recorded.add(key);
        await record(identity, runId, 'read the kept result in the page');
      }
      res.json(page);
    } catch (error) {
      next(asHttp(error));
    }
  });

  router.get('/results/:runId/csv', async (req, res, next) => {
    try {
      const identity = identityOf(res);
      const runId = req.params.runId;
      const { sort, filter } = queryOf(req);
      const results = store();
      const columns = await results.columnsOf(identity.user, runId);
      const rows = results.allRows(identity.user, runId, { ...(sort ? { sort } : {}), ...(filter ? { filter } : {}) });
      await record(identity, runId, `exported the kept result as CSV${filter ? ` (filter "${filter.text}")` : ''}`);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="result-${runId.replace(/[^A-Za-z0-9-]/g, '')}.csv"`);
      res.write(`${columns.map((c) => csvField(c.name)).join(',')}\r\n`);
      for await (const chunk of rows) {
        const text = chunk.map((row) => `${row.map((cell) => csvField(cellText(cell))).join(',')}\r\n`).join('');
        // A slow download must not fill the server's memory: wait for the socket to drain.
        if (!res.write(text)) await new Promise<void>((resolve) => res.once('drain', () => resolve()));
      }
      res.end();
    } catch (error) {
      if (res.headersSent) return void res.destroy(error as Error);
      next(asHttp(error));
    }
  });
  return router;
}
