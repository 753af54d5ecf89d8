/**
 * The Training page's API (demo environments only): GET lists the scenarios with their state; POST
 * {id, action} activates, deactivates, or runs one of an active scenario's actions. GET /drills lists the
 * drills; POST /drills/check {name} answers whether the signed-in user has solved one (its checks run on
 * the server). The app puts its CSRF check and sign-in in front, like any state-changing call.
 */
import express, { type RequestHandler, type Response } from 'express';
import type { Identity } from '../../../identity';
import type { SandboxCore } from '../core';
import { ScenarioConflict } from '../scenarios';
import { drillInfo, type TrainingDrills } from '../scenarios/drills';

const fail = (res: Response, status: number, code: string, message: string) => void res.status(status).json({ error: { code, message } });

export function scenariosRouter(core: SandboxCore, guards: readonly RequestHandler[], training: TrainingDrills | null = null): express.Router {
  const r = express.Router();
  if (guards.length) r.use(...guards);
  r.get('/', (_req, res, next) => {
    core.ready().then(() => core.scenarios.list()).then((scenarios) => res.json({ scenarios }), next);
  });
  r.post('/', express.json({ limit: '4kb' }), (req, res, next) => {
    if (!req.is('application/json')) return fail(res, 415, 'bad_request', 'Send JSON: {"id": "late_ldz_file", "action": "activate"}.');
    const body = (req.body ?? {}) as { id?: unknown; action?: unknown };
    if (typeof body.id !== 'string' || typeof body.action !== 'string') return fail(res, 400, 'bad_request', 'Send {"id": "<scenario>", "action": "activate" | "deactivate" | "<action id>"}.');
    if (!core.scenarios.has(body.id)) return fail(res, 404, 'not_found', `No scenario "${body.id}".`);
    core
      .ready()
      .then(() => core.scenarios.apply(body.id as string, body.action as string))
      .then(
        (scenario) => res.json({ scenario }),
        (error: unknown) => (error instanceof ScenarioConflict ? fail(res, 409, 'conflict', error.message) : next(error)),
      );
  });
  r.get('/drills', (_req, res, next) => {
    if (!training) return fail(res, 404, 'not_found', 'This sandbox has no drills: it was started without the runbooks’ manifest.');
    core.ready().then(() => core.scenarios.list()).then((scenarios) => res.json({ drills: training.list(scenarios).map(drillInfo) }), next);
  });
  r.post('/drills/check', express.json({ limit: '4kb' }), (req, res, next) => {
    if (!training) return fail(res, 404, 'not_found', 'This sandbox has no drills: it was started without the runbooks’ manifest.');
    const name = (req.body as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string') return fail(res, 400, 'bad_request', 'Send {"name": "<family>/<drill id>"}, e.g. {"name": "canonical/late-ldz-file"}.');
    const user = (res.locals.identity as Identity | undefined)?.user ?? 'anonymous';
    core
      .ready()
      .then(async () => {
        const scenarios = await core.scenarios.list();
        const drill = training.list(scenarios).find((d) => d.name === name);
        if (!drill) return fail(res, 404, 'not_found', `No drill "${name}".`);
        res.json(await training.verdict(drill, scenarios.find((s) => s.id === drill.fault.scenario), user, new Date()));
      })
      .catch(next);
  });
  return r;
}
