/** The JSON API (DESIGN.md §5): health, identity, environments, approvals and audit. */
import { Router, type Response } from 'express';
import * as z from 'zod';
import type { Approval, MeResponse } from '../api';
import { memberRoles } from '../approvers/membership';
import type { StateStore } from '../audit/types';
import type { Authenticator } from '../auth/types';
import { DEMO_USER_COOKIE } from '../auth/demo';
import { defaultEnvironmentOf, type OpsbookConfig } from '../config';
import { ApprovalError, type ApprovalService } from '../execution/approvals';
import type { ManifestStore } from '../execution/manifestStore';
import type { RequiredActionService } from '../execution/requiredActions';
import type { Identity } from '../identity';
import type { EnvironmentInfo } from '../protocol';
import { toCsv } from './csv';
import { csrfCookie } from './csrf';
import { csrfSubject, type CsrfSigner } from './csrfToken';
import { datesHandler } from './dates';
import { HttpError } from './errors';

export function environmentsOf(config: OpsbookConfig): EnvironmentInfo[] {
  return Object.entries(config.environments).map(([name, env]) => ({
    name,
    label: env.label ?? name,
    production: env.production,
    // Names and kinds only: connection settings may hold secrets.
    connections: Object.entries(env.connections).map(([cname, c]) => ({ name: cname, kind: c.kind, dialect: c.kind })),
  }));
}

export const identityOf = (res: Response): Identity => res.locals.identity as Identity;

export interface ApiDeps {
  readonly config: OpsbookConfig;
  readonly manifest: ManifestStore;
  readonly authenticator: Authenticator;
  readonly store: StateStore;
  readonly approvals: ApprovalService;
  readonly startedAt: Date;
  readonly signer: CsrfSigner;
  /** The clock `today` defaults are resolved by (GET /api/dates); the wall clock when absent. */
  readonly now?: () => Date;
  /** An approval was requested from inside an operation (issue 12): the operation records it. */
  readonly onApprovalInOperation?: (identity: Identity, operation: string, approval: Approval) => Promise<void>;
  /** Answers to Airflow required actions (human-in-the-loop tasks) from the page. */
  readonly requiredActions?: RequiredActionService;
}

const approvalRequestSchema = z.strictObject({
  snippet: z.string().min(1).max(300),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  env: z.string().min(1).max(64),
  params: z.record(z.string().max(64), z.union([z.string().max(4096), z.number(), z.boolean(), z.null()])).default({}),
  reason: z.string().max(2000),
  /** The operation the request is made in (issue 12). */
  operation: z.string().min(1).max(64).optional(),
});
const requiredActionSchema = z.strictObject({
  snippet: z.string().min(1).max(300),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  env: z.string().min(1).max(64),
  confirm: z.string().max(64).optional(),
  dagId: z.string().min(1).max(250),
  runId: z.string().min(1).max(250),
  taskId: z.string().min(1).max(250),
  mapIndex: z.number().int().min(-1),
  chosen: z.array(z.string().max(1000)).max(100),
});
const decisionSchema = z.strictObject({ decision: z.enum(['approve', 'reject']), comment: z.string().max(2000) });
const auditQuerySchema = z.object({
  runbook: z.string().max(200).optional(),
  user: z.string().max(200).optional(),
  env: z.string().max(64).optional(),
  status: z.string().max(32).optional(),
  kind: z.enum(['run', 'approval_request', 'approval_decision', 'operation', 'page', 'result_read']).optional(),
  operation: z.string().max(64).optional(),
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'write dates as YYYY-MM-DD').optional(),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'write dates as YYYY-MM-DD').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new HttpError(400, 'bad_request', `${i.path.join('.') || 'body'}: ${i.message}.`);
}

/** Runs an async handler and turns ApprovalError into an HttpError for the one error middleware. */
const handle = (fn: (req: import('express').Request, res: Response) => Promise<void>) => (req: import('express').Request, res: Response, next: (e?: unknown) => void) =>
  fn(req, res).catch((e: unknown) => next(e instanceof ApprovalError ? new HttpError(e.status, e.code, e.message) : e));

function requireAuditReader(identity: Identity): void {
  if (!identity.roles.includes('admin') && !identity.roles.includes('approver')) {
    throw new HttpError(403, 'forbidden', 'The audit log is for admins and approvers.');
  }
}

export function apiRouter(deps: ApiDeps): Router {
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
    const id = identityOf(res);
    const me: MeResponse = {
      user: id.user,
      displayName: id.displayName,
      roles: id.roles,
      groups: id.groups ?? [],
      authMode: deps.authenticator.mode,
      approverRoles: memberRoles(deps.config, id),
      ...(deps.authenticator.demoUsers ? { demoUsers: deps.authenticator.demoUsers.map((u) => ({ user: u.user, displayName: u.displayName, roles: u.roles })) } : {}),
    };
    res.json(me);
  });
  router.post('/session/demo-user', (req, res) => {
    const users = deps.authenticator.demoUsers;
    if (!users) throw new HttpError(404, 'not_found', 'Switching users exists only in demo mode.');
    const { user } = parse(z.strictObject({ user: z.string().max(100) }), req.body);
    if (!users.some((u) => u.user === user)) throw new HttpError(400, 'bad_request', `No demo user "${user}"; choose one of ${users.map((u) => u.user).join(', ')}.`);
    res.append('Set-Cookie', `${DEMO_USER_COOKIE}=${encodeURIComponent(user)}; Path=/; SameSite=Strict; HttpOnly`);
    // The CSRF token is bound to who is signed in: the new demo user needs theirs.
    res.append('Set-Cookie', csrfCookie(deps.signer.issue(csrfSubject('demo', users.find((u) => u.user === user)!))));
    res.json({ user });
  });
  router.get('/dates', datesHandler(deps.now ?? (() => new Date())));
  router.get('/environments', (_req, res) => {
    res.json({ environments: environmentsOf(deps.config), default: defaultEnvironmentOf(deps.config) });
  });

  router.post('/approvals', handle(async (req, res) => {
    const { operation, ...body } = parse(approvalRequestSchema, req.body);
    const approval = await deps.approvals.request(identityOf(res), body, operation);
    if (operation) await deps.onApprovalInOperation?.(identityOf(res), operation, approval);
    res.status(201).json(approval);
  }));
  router.get('/approvals', handle(async (req, res) => {
    const status = parse(z.enum(['pending', 'approved', 'rejected', 'used', 'expired']).optional(), req.query.status);
    res.json({ approvals: await deps.approvals.list(identityOf(res), { ...(status ? { status } : {}), mine: req.query.mine === '1' }) });
  }));
  router.get('/approvals/:id', handle(async (req, res) => {
    res.json(await deps.approvals.get(identityOf(res), String(req.params.id)));
  }));
  router.post('/approvals/:id/decision', handle(async (req, res) => {
    res.json(await deps.approvals.decide(identityOf(res), String(req.params.id), parse(decisionSchema, req.body)));
  }));

  router.post('/airflow/required-actions', handle(async (req, res) => {
    if (!deps.requiredActions) throw new HttpError(404, 'not_found', 'This server does not answer Airflow required actions.');
    res.json(await deps.requiredActions.answer(identityOf(res), parse(requiredActionSchema, req.body)));
  }));

  router.get('/audit', handle(async (req, res) => {
    requireAuditReader(identityOf(res));
    res.json(await deps.store.queryAudit(parse(auditQuerySchema, req.query)));
  }));
  router.get('/audit.csv', handle(async (req, res) => {
    requireAuditReader(identityOf(res));
    const filter = { ...parse(auditQuerySchema, req.query), limit: 100_000, offset: 0 };
    const page = await deps.store.queryAudit(filter);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="opsbook-audit-${new Date().toISOString().slice(0, 10)}.csv"`);
    res.send(toCsv(page.records));
  }));
  return router;
}
