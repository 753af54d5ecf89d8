/**
 * /api/v2 — the Airflow 3 public API subset the Opsbook client uses, answered as
 * v2-rest-api-generated.yaml defines it: FastAPI error bodies ({detail}), 422 validation errors with
 * loc/msg/type, 50 items a page by default, structured logs with a continuation token.
 */
import express, { type Response } from 'express';
import { Invalid, type SandboxCore } from '../core';
import { positionOf, token } from '../logs';
import type { ClearSpec } from '../engine';
import { v2Dag, v2DagRun, v2Task, v2TaskInstance } from '../serialize';
import { extraKeys, handler, list, page, param, str } from './common';

const error = (res: Response, status: number, detail: string) => void res.status(status).json({ detail });
const invalid = (res: Response, problems: { type: string; loc: (string | number)[]; msg: string }[]) => void res.status(422).json({ detail: problems.map((p) => ({ ...p, input: null })) });
const isDate = (v: unknown) => typeof v === 'string' && !Number.isNaN(new Date(v).getTime());

export function v2Router(core: SandboxCore): express.Router {
  const r = express.Router();
  r.use(express.json({ limit: '1mb' }));
  const h = (fn: Parameters<typeof handler>[0]) => handler(fn, error);

  r.get('/version', (_req, res) => void res.json({ version: '3.1.0', git_version: null }));
  r.get('/monitor/health', (_req, res) => void res.json({ metadatabase: { status: 'healthy' }, scheduler: { status: 'healthy', latest_scheduler_heartbeat: new Date().toISOString() } }));

  r.get('/dags', h(async (req, res) => {
    const p = page(req, 50);
    if (!p) return invalid(res, [{ type: 'int_parsing', loc: ['query', 'limit'], msg: 'Input should be a valid integer' }]);
    await core.ready();
    const all = (await core.catalogOf()).all();
    res.json({ dags: all.slice(p.offset, p.offset + p.limit).map((d) => v2Dag(d, core.paused(d.dagId))), total_entries: all.length });
  }));
  r.get('/dags/:dag_id', h(async (req, res) => {
    const def = await core.dag(param(req, 'dag_id'));
    res.json(v2Dag(def, core.paused(def.dagId)));
  }));
  r.patch('/dags/:dag_id', h(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const extra = extraKeys(body, ['is_paused']);
    if (typeof body.is_paused !== 'boolean' || extra.length) {
      return invalid(res, [...(typeof body.is_paused !== 'boolean' ? [{ type: 'missing', loc: ['body', 'is_paused'], msg: 'Field required' }] : []), ...extra.map((k) => ({ type: 'extra_forbidden', loc: ['body', k], msg: 'Extra inputs are not permitted' }))]);
    }
    const def = await core.setPaused(param(req, 'dag_id'), body.is_paused);
    res.json(v2Dag(def, core.paused(def.dagId)));
  }));
  r.get('/dags/:dag_id/tasks', h(async (req, res) => {
    const def = await core.dag(param(req, 'dag_id'));
    res.json({ tasks: def.tasks.map((t) => v2Task(def, t)), total_entries: def.tasks.length });
  }));

  r.get('/dags/:dag_id/dagRuns', h(async (req, res) => {
    const p = page(req, 50);
    if (!p) return invalid(res, [{ type: 'int_parsing', loc: ['query', 'limit'], msg: 'Input should be a valid integer' }]);
    const { def, runs } = await core.runs(param(req, 'dag_id'), { states: list(req.query.state), ...opt('logicalGte', str(req.query.logical_date_gte)), ...opt('logicalLte', str(req.query.logical_date_lte)) });
    res.json({ dag_runs: runs.slice(p.offset, p.offset + p.limit).map((run) => v2DagRun(def, run)), total_entries: runs.length });
  }));
  r.post('/dags/:dag_id/dagRuns', h(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const problems = [
      ...(!('logical_date' in body) ? [{ type: 'missing', loc: ['body', 'logical_date'], msg: 'Field required' }] : []),
      ...(body.logical_date !== undefined && body.logical_date !== null && !isDate(body.logical_date) ? [{ type: 'datetime_from_date_parsing', loc: ['body', 'logical_date'], msg: 'Input should be a valid datetime' }] : []),
      ...(body.conf !== undefined && (typeof body.conf !== 'object' || body.conf === null || Array.isArray(body.conf)) ? [{ type: 'dict_type', loc: ['body', 'conf'], msg: 'Input should be a valid dictionary' }] : []),
      ...extraKeys(body, ['dag_run_id', 'data_interval_start', 'data_interval_end', 'logical_date', 'run_after', 'conf', 'note']).map((k) => ({ type: 'extra_forbidden', loc: ['body', k], msg: 'Extra inputs are not permitted' })),
    ];
    if (problems.length) return invalid(res, problems);
    const logical = typeof body.logical_date === 'string' ? new Date(body.logical_date).toISOString().replace('.000Z', 'Z') : null;
    const { def, run } = await core.trigger(param(req, 'dag_id'), { conf: (body.conf as Record<string, unknown> | undefined) ?? {}, logicalDate: logical, logicalDateGiven: logical !== null, runId: typeof body.dag_run_id === 'string' ? body.dag_run_id : null });
    res.json(v2DagRun(def, run));
  }));
  r.get('/dags/:dag_id/dagRuns/:dag_run_id', h(async (req, res) => {
    const { def, run } = await core.run(param(req, 'dag_id'), param(req, 'dag_run_id'));
    res.json(v2DagRun(def, run));
  }));
  r.get('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances', h(async (req, res) => {
    const p = page(req, 50);
    if (!p) return invalid(res, [{ type: 'int_parsing', loc: ['query', 'limit'], msg: 'Input should be a valid integer' }]);
    const { def, run } = await core.run(param(req, 'dag_id'), param(req, 'dag_run_id'));
    const tis = [...run.tis.values()];
    res.json({ task_instances: tis.slice(p.offset, p.offset + p.limit).map((ti) => v2TaskInstance(def, run, ti)), total_entries: tis.length });
  }));
  r.post('/dags/:dag_id/clearTaskInstances', h(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const allowed = ['dry_run', 'start_date', 'end_date', 'only_failed', 'only_running', 'reset_dag_runs', 'task_ids', 'dag_run_id', 'include_upstream', 'include_downstream', 'include_future', 'include_past', 'run_on_latest_version'];
    const problems = extraKeys(body, allowed).map((k) => ({ type: 'extra_forbidden', loc: ['body', k], msg: 'Extra inputs are not permitted' }));
    if (body.task_ids !== undefined && body.task_ids !== null && !(Array.isArray(body.task_ids) && body.task_ids.every((t) => typeof t === 'string'))) problems.push({ type: 'list_type', loc: ['body', 'task_ids'], msg: 'Input should be a valid list' });
    for (const k of ['start_date', 'end_date'] as const) if (body[k] != null && !isDate(body[k])) problems.push({ type: 'datetime_from_date_parsing', loc: ['body', k], msg: 'Input should be a valid datetime' });
    if (problems.length) return invalid(res, problems);
    const flag = (k: string, d: boolean) => (typeof body[k] === 'boolean' ? (body[k] as boolean) : d);
    // The spec's defaults: dry_run and only_failed are true unless the caller says otherwise.
    const spec: ClearSpec = {
      taskIds: (body.task_ids as string[] | null | undefined) ?? null, startDate: (body.start_date as string | null | undefined) ?? null, endDate: (body.end_date as string | null | undefined) ?? null,
      dagRunId: typeof body.dag_run_id === 'string' ? body.dag_run_id : null, onlyFailed: flag('only_failed', true), onlyRunning: flag('only_running', false),
      includeUpstream: flag('include_upstream', false), includeDownstream: flag('include_downstream', false), dryRun: flag('dry_run', true),
    };
    const { def, cleared } = await core.clear(param(req, 'dag_id'), spec);
    res.json({ task_instances: cleared.map(({ run, ti, before }) => ({ ...v2TaskInstance(def, run, ti), state: before })), total_entries: cleared.length });
  }));
  r.get('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/logs/:try_number', h(async (req, res) => {
    const tryNumber = Number(req.params.try_number);
    if (!Number.isInteger(tryNumber) || tryNumber < 0) return invalid(res, [{ type: 'int_parsing', loc: ['path', 'try_number'], msg: 'Input should be a valid integer' }]);
    const from = positionOf(str(req.query.token));
    const s = await core.log(param(req, 'dag_id'), param(req, 'dag_run_id'), param(req, 'task_id'), tryNumber, from);
    res.json({
      content: s.lines.map((l) => ({ timestamp: l.timestamp, event: l.event, level: l.level.toLowerCase(), logger: 'airflow.task' })),
      // Null once the try has ended and every line was sent: the client stops following.
      continuation_token: s.complete ? null : token(core.logSecret, s.position, false),
    });
  }));

  r.get('/variables/:variable_key', h(async (req, res) => {
    const v = await core.variable(param(req, 'variable_key'));
    res.json({ key: v.key, value: v.value, description: v.description, is_encrypted: false });
  }));
  const variableBody = (body: Record<string, unknown>) => [
    ...(typeof body.key !== 'string' ? [{ type: 'missing', loc: ['body', 'key'], msg: 'Field required' }] : []),
    ...(!('value' in body) ? [{ type: 'missing', loc: ['body', 'value'], msg: 'Field required' }] : []),
    ...extraKeys(body, ['key', 'value', 'description']).map((k) => ({ type: 'extra_forbidden', loc: ['body', k], msg: 'Extra inputs are not permitted' })),
  ];
  const valueText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  r.patch('/variables/:variable_key', h(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const problems = variableBody(body);
    if (problems.length) return invalid(res, problems);
    if (body.key !== req.params.variable_key) return error(res, 400, 'Invalid body, key from request body doesn\'t match uri parameter');
    const v = await core.setVariable(param(req, 'variable_key'), valueText(body.value), body.description as string | null | undefined, 'update');
    res.json({ key: v.key, value: v.value, description: v.description, is_encrypted: false });
  }));
  r.post('/variables', h(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const problems = variableBody(body);
    if (problems.length) return invalid(res, problems);
    const v = await core.setVariable(String(body.key), valueText(body.value), body.description as string | null | undefined, 'create');
    res.status(201).json({ key: v.key, value: v.value, description: v.description, is_encrypted: false });
  }));

  const backfillJson = (b: Awaited<ReturnType<SandboxCore['backfill']>>) => ({
    id: b.id, dag_id: b.dagId, from_date: b.fromDate, to_date: b.toDate, dag_run_conf: {}, is_paused: false, reprocess_behavior: 'failed', max_active_runs: 10,
    created_at: b.createdAt, completed_at: b.runs.every((run) => run.state === 'success' || run.state === 'failed') ? b.createdAt : null, updated_at: b.createdAt, dag_display_name: b.dagId,
  });
  r.post('/backfills', h(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const problems = [
      ...['dag_id', 'from_date', 'to_date'].filter((k) => typeof body[k] !== 'string').map((k) => ({ type: 'missing', loc: ['body', k], msg: 'Field required' })),
      ...(body.reprocess_behavior !== undefined && !['failed', 'completed', 'none'].includes(String(body.reprocess_behavior)) ? [{ type: 'enum', loc: ['body', 'reprocess_behavior'], msg: "Input should be 'failed', 'completed' or 'none'" }] : []),
      ...extraKeys(body, ['dag_id', 'from_date', 'to_date', 'run_backwards', 'dag_run_conf', 'reprocess_behavior', 'max_active_runs']).map((k) => ({ type: 'extra_forbidden', loc: ['body', k], msg: 'Extra inputs are not permitted' })),
    ];
    if (problems.length) return invalid(res, problems);
    const reprocess = (body.reprocess_behavior as 'failed' | 'completed' | 'none' | undefined) ?? 'none';
    try {
      res.json({ ...backfillJson(await core.backfill(String(body.dag_id), String(body.from_date), String(body.to_date), reprocess)), reprocess_behavior: reprocess });
    } catch (e) {
      if (e instanceof Invalid) return invalid(res, [{ type: 'value_error', loc: ['body'], msg: (e as Error).message }]);
      throw e;
    }
  }));
  r.get('/backfills', h(async (req, res) => {
    const dagId = str(req.query.dag_id);
    if (!dagId) return invalid(res, [{ type: 'missing', loc: ['query', 'dag_id'], msg: 'Field required' }]);
    const found = core.backfills.filter((b) => b.dagId === dagId);
    res.json({ backfills: found.map(backfillJson), total_entries: found.length });
  }));

  r.use((_req, res) => error(res, 404, 'Not Found'));
  return r;
}

function opt<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
