/**
 * /api/v1 — the Airflow 2 stable API subset the Opsbook client uses, answered as v1.yaml defines it:
 * RFC 7807 problems for errors, 100 items a page, references only from clearTaskInstances, and logs as
 * Airflow 2 sends them (the repr of [(host, text)] with an itsdangerous-style token).
 */
import express, { type Response } from 'express';
import type { SandboxCore } from '../core';
import { positionOf, pyRepr, textLine, token } from '../logs';
import { v1Dag, v1DagRun, v1Problem, v1Task, v1TaskInstance } from '../serialize';
import { extraKeys, handler, list, page, param, str } from './common';

const TITLES: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict' };
const error = (res: Response, status: number, detail: string) => void res.status(status).json(v1Problem(status, TITLES[status] ?? 'Error', detail));
const isDate = (v: unknown) => typeof v === 'string' && !Number.isNaN(new Date(v).getTime());

export function v1Router(core: SandboxCore): express.Router {
  const r = express.Router();
  r.use(express.json({ limit: '1mb' }));
  const h = (fn: Parameters<typeof handler>[0]) => handler(fn, error);

  r.get('/version', (_req, res) => void res.json({ version: '2.10.0', git_version: null }));
  r.get('/dags/:dag_id', h(async (req, res) => {
    const def = await core.dag(param(req, 'dag_id'));
    res.json(v1Dag(def, core.paused(def.dagId)));
  }));
  r.patch('/dags/:dag_id', h(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const mask = list(req.query.update_mask);
    if (mask.some((m) => m !== 'is_paused')) return error(res, 400, `Only is_paused can be updated; update_mask had ${mask.join(', ')}`);
    if (typeof body.is_paused !== 'boolean') return error(res, 400, "'is_paused' is a required property and must be a boolean");
    const def = await core.setPaused(param(req, 'dag_id'), body.is_paused);
    res.json(v1Dag(def, core.paused(def.dagId)));
  }));
  r.get('/dags/:dag_id/tasks', h(async (req, res) => {
    const def = await core.dag(param(req, 'dag_id'));
    res.json({ tasks: def.tasks.map((t) => v1Task(def, t)), total_entries: def.tasks.length });
  }));
  r.get('/dags/:dag_id/dagRuns', h(async (req, res) => {
    const p = page(req, 100);
    if (!p) return error(res, 400, 'limit and offset must be non-negative integers');
    const gte = str(req.query.execution_date_gte);
    const lte = str(req.query.execution_date_lte);
    const { runs } = await core.runs(param(req, 'dag_id'), { states: list(req.query.state), ...(gte ? { logicalGte: gte } : {}), ...(lte ? { logicalLte: lte } : {}) });
    res.json({ dag_runs: runs.slice(p.offset, p.offset + p.limit).map(v1DagRun), total_entries: runs.length });
  }));
  r.post('/dags/:dag_id/dagRuns', h(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const extra = extraKeys(body, ['dag_run_id', 'logical_date', 'execution_date', 'data_interval_start', 'data_interval_end', 'conf', 'note']);
    if (extra.length) return error(res, 400, `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} were unexpected)`);
    const given = body.logical_date ?? body.execution_date;
    if (given !== undefined && given !== null && !isDate(given)) return error(res, 400, `'${String(given)}' is not a 'date-time'`);
    if (body.conf !== undefined && (typeof body.conf !== 'object' || body.conf === null || Array.isArray(body.conf))) return error(res, 400, "'conf' must be an object");
    // Airflow 2 fills a missing logical date with the time of the request.
    const logical = typeof given === 'string' ? new Date(given).toISOString().replace('.000Z', 'Z') : new Date().toISOString();
    const { run } = await core.trigger(param(req, 'dag_id'), { conf: (body.conf as Record<string, unknown> | undefined) ?? {}, logicalDate: logical, logicalDateGiven: typeof given === 'string', runId: typeof body.dag_run_id === 'string' ? body.dag_run_id : null });
    res.json(v1DagRun(run));
  }));
  r.get('/dags/:dag_id/dagRuns/:dag_run_id', h(async (req, res) => {
    const { run } = await core.run(param(req, 'dag_id'), param(req, 'dag_run_id'));
    res.json(v1DagRun(run));
  }));
  r.get('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances', h(async (req, res) => {
    const p = page(req, 100);
    if (!p) return error(res, 400, 'limit and offset must be non-negative integers');
    const { def, run } = await core.run(param(req, 'dag_id'), param(req, 'dag_run_id'));
    const tis = [...run.tis.values()];
    res.json({ task_instances: tis.slice(p.offset, p.offset + p.limit).map((ti) => v1TaskInstance(def, run, ti)), total_entries: tis.length });
  }));
  r.post('/dags/:dag_id/clearTaskInstances', h(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const allowed = ['dry_run', 'task_ids', 'start_date', 'end_date', 'only_failed', 'only_running', 'include_subdags', 'include_parentdag', 'reset_dag_runs', 'dag_run_id', 'include_upstream', 'include_downstream', 'include_future', 'include_past'];
    const extra = extraKeys(body, allowed);
    if (extra.length) return error(res, 400, `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} were unexpected)`);
    if (body.task_ids !== undefined && !(Array.isArray(body.task_ids) && body.task_ids.length > 0 && body.task_ids.every((t) => typeof t === 'string'))) return error(res, 400, "'task_ids' must be a non-empty list of strings");
    for (const k of ['start_date', 'end_date'] as const) if (body[k] !== undefined && !isDate(body[k])) return error(res, 400, `'${String(body[k])}' is not a 'datetime'`);
    const flag = (k: string, d: boolean) => (typeof body[k] === 'boolean' ? (body[k] as boolean) : d);
    const { cleared } = await core.clear(param(req, 'dag_id'), {
      taskIds: (body.task_ids as string[] | undefined) ?? null, startDate: (body.start_date as string | undefined) ?? null, endDate: (body.end_date as string | undefined) ?? null,
      dagRunId: typeof body.dag_run_id === 'string' ? body.dag_run_id : null, onlyFailed: flag('only_failed', true), onlyRunning: flag('only_running', false),
      includeUpstream: flag('include_upstream', false), includeDownstream: flag('include_downstream', false), dryRun: flag('dry_run', true),
    });
    res.json({ task_instances: cleared.map(({ run, ti }) => ({ task_id: ti.taskId, dag_id: run.dagId, execution_date: run.logicalDate ?? run.runAfter, dag_run_id: run.runId })) });
  }));
  r.get('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/logs/:task_try_number', h(async (req, res) => {
    const tryNumber = Number(req.params.task_try_number);
    if (!Number.isInteger(tryNumber) || tryNumber < 0) return error(res, 400, 'task_try_number must be an integer');
    const s = await core.log(param(req, 'dag_id'), param(req, 'dag_run_id'), param(req, 'task_id'), tryNumber, positionOf(str(req.query.token)));
    const text = s.lines.map((l) => `${textLine(l)}\n`).join('');
    if (/text\/plain/.test(String(req.headers.accept ?? '')) && !/json/.test(String(req.headers.accept ?? ''))) return void res.type('text/plain').send(text);
    res.json({ continuation_token: token(core.logSecret, s.position, s.complete), content: `[('opsbook-sandbox-worker-1', ${pyRepr(text)})]` });
  }));
  r.get('/variables/:variable_key', h(async (req, res) => {
    const v = await core.variable(param(req, 'variable_key'));
    res.json({ key: v.key, value: v.value, description: v.description });
  }));
  r.patch('/variables/:variable_key', h(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.key !== 'string' || typeof body.value !== 'string') return error(res, 400, "'key' and 'value' are required strings");
    if (body.key !== req.params.variable_key) return error(res, 400, 'Invalid post body: key from request body doesn\'t match uri parameter');
    const v = await core.setVariable(body.key, body.value, body.description as string | null | undefined, 'update');
    res.json({ key: v.key, value: v.value, description: v.description });
  }));
  r.post('/variables', h(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.key !== 'string' || typeof body.value !== 'string') return error(res, 400, "'key' and 'value' are required strings");
    const v = await core.setVariable(body.key, body.value, body.description as string | null | undefined, 'create').catch(async (e: unknown) => {
      // Airflow 2's create overwrites an existing key rather than refusing it.
      if ((e as Error).message.includes('already exists')) return core.setVariable(String(body.key), String(body.value), body.description as string | null | undefined, 'update');
      throw e;
    });
    res.json({ key: v.key, value: v.value, description: v.description });
  }));
  r.use((_req, res) => error(res, 404, 'The requested URL was not found on the server.'));
  return r;
}
