/**
 * GET /api/approvers (who decides for each approver role; whether this user may page) and POST /api/page
 * (the Page action of an escalation ladder level). See server/approvers.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import * as z from 'zod';
import type { ApproversResponse } from '../api';
import type { OpsbookConfig } from '../config';
import { approverRoles } from '../approvers/membership';
import { canPage, PageError, type createPaging } from '../approvers/paging';
import type { ApprovalRouting, ServerOpsData } from '../approvers/routing';
import type { Identity } from '../identity';
import { HttpError } from './errors';

const pageSchema = z.strictObject({
  ladder: z.string().min(1).max(100),
  level: z.number().int().min(0).max(50),
  summary: z.string().max(1000),
  path: z.string().max(500).optional(),
  approval: z.string().max(100).optional(),
  operation: z.string().max(100).optional(),
});

export interface ApproversRouterDeps {
  readonly config: OpsbookConfig;
  readonly routing: Pick<ApprovalRouting, 'deciders'>;
  readonly paging: ReturnType<typeof createPaging>;
  readonly data: () => ServerOpsData;
}

const handle = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) =>
  fn(req, res).catch((e: unknown) => next(e instanceof PageError ? new HttpError(e.status, e.code, e.message) : e));

export function approversRouter(deps: ApproversRouterDeps): Router {
  const router = Router();
  router.get('/approvers', (_req, res) => {
    const identity = res.locals.identity as Identity;
    // Every role the data files list, and any the configuration adds.
    const names = [...new Set([...Object.keys(deps.data().approvers ?? {}), ...Object.keys(approverRoles(deps.config))])].sort();
    const body: ApproversResponse = { roles: names.map((r) => deps.routing.deciders(r)), canPage: canPage(deps.config, identity), pagingChannels: deps.config.paging.channels };
    res.json(body);
  });
  router.post('/page', handle(async (req, res) => {
    const parsed = pageSchema.safeParse(req.body);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new HttpError(400, 'bad_request', `${i.path.join('.') || 'body'}: ${i.message}.`);
    }
    const { path, approval, operation, ...rest } = parsed.data;
    res.status(201).json(await deps.paging.page(res.locals.identity as Identity, { ...rest, ...(path ? { path } : {}), ...(approval ? { approval } : {}), ...(operation ? { operation } : {}) }));
  }));
  return router;
}
