/**
 * Admin API: GET /api/notifications (the outbox with every attempt: what was sent, what is retrying, what
 * failed and why) and GET /api/schedules (the schedules and their recent firings).
 */
import { Cron } from 'croner';
import { Router, type NextFunction, type Request, type Response } from 'express';
import * as z from 'zod';
import { HttpError } from '../http/errors';
import type { Identity } from '../identity';
import type { Automation } from '../automation';

const listSchema = z.object({
  status: z.enum(['pending', 'sending', 'sent', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

function requireAdmin(res: Response, what: string): void {
  const identity = res.locals.identity as Identity;
  if (!identity.roles.includes('admin') && !identity.roles.includes('approver')) throw new HttpError(403, 'forbidden', `${what} is for admins and approvers.`);
}

const handle = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

export function automationRouter(automation: Automation): Router {
  const router = Router();
  router.get('/notifications', handle(async (req, res) => {
    requireAdmin(res, 'The notification log');
    const q = listSchema.safeParse(req.query);
    if (!q.success) throw new HttpError(400, 'bad_request', `${q.error.issues[0]!.path.join('.')}: ${q.error.issues[0]!.message}.`);
    const { outbox } = await automation.ready;
    if (!outbox) throw new HttpError(503, 'unavailable', 'Notifications are not running on this server (see its log).');
    res.json({ notifications: await outbox.list({ ...(q.data.status ? { status: q.data.status } : {}), limit: q.data.limit }) });
  }));
  router.get('/schedules', handle(async (req, res) => {
    requireAdmin(res, 'The schedule log');
    const limit = z.coerce.number().int().min(1).max(1000).default(50).safeParse(req.query.limit);
    const { schedules } = await automation.ready;
    if (!schedules) return void res.json({ schedules: [], firings: [] });
    res.json({
      schedules: schedules.schedules.map((s) => ({ name: s.name, cron: s.cron, timezone: s.timezone, env: s.env, checks: s.checks, nextRun: nextRunOf(s.cron, s.timezone) })),
      firings: await schedules.firings.list({ limit: limit.success ? limit.data : 50, ...(typeof req.query.schedule === 'string' ? { schedule: req.query.schedule } : {}) }),
    });
  }));
  return router;
}

/** When the schedule fires next (ISO), for people reading the list. */
function nextRunOf(cron: string, timezone: string): string | null {
  const job = new Cron(cron, { timezone, paused: true });
  const next = job.nextRun();
  job.stop();
  return next ? next.toISOString() : null;
}
