/**
 * A client of the dbt Cloud Administrative API v2 for what runbooks do with jobs: find a job (by id or by
 * name, paging the job list), trigger a run with overrides, read a run with its steps, list a job's runs, and
 * fetch run_results.json. Answers come in the API's envelope ({status, data, extra}); a 429 is retried after
 * its Retry-After (at most a few times) through an injected sleep, so tests never wait on a clock.
 */
import { ConnectorError } from '../../types';
import { cancellableSleep } from '../../cancellableSleep';

export interface DbtCloudClientOptions {
  /** e.g. https://cloud.getdbt.com */
  readonly url: string;
  readonly accountId: number;
  readonly token: string;
  readonly timeoutMs?: number;
  /** Waits between a 429 and its retry; tests pass one that records instead of sleeping. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly maxRetries?: number;
}

/** Run and step statuses of API v2. */
export const RUN_STATUS: Readonly<Record<number, string>> = { 1: 'Queued', 2: 'Starting', 3: 'Running', 10: 'Success', 20: 'Error', 30: 'Cancelled' };
export const isDone = (status: number) => status === 10 || status === 20 || status === 30;

export interface DbtJob {
  readonly id: number;
  readonly name: string;
  readonly executeSteps: readonly string[];
  readonly environmentId: number | null;
}

export interface DbtRunStep {
  readonly index: number;
  readonly name: string;
  readonly status: number;
  readonly logs: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export interface DbtRun {
  readonly id: number;
  readonly jobId: number;
  readonly status: number;
  readonly statusHumanized: string;
  readonly statusMessage: string | null;
  readonly createdAt: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly durationHumanized: string | null;
  readonly gitSha: string | null;
  readonly href: string | null;
  readonly steps: readonly DbtRunStep[];
}

export interface TriggerOptions {
  readonly cause: string;
  readonly stepsOverride?: readonly string[];
  readonly gitBranch?: string;
  readonly schemaOverride?: string;
  readonly targetNameOverride?: string;
  readonly threadsOverride?: number;
}

export interface RunResult {
  readonly uniqueId: string;
  readonly status: string;
  readonly executionTime: number | null;
  readonly message: string | null;
  readonly failures: number | null;
}

export interface DbtCloudClient {
  getJob(jobId: number, signal: AbortSignal): Promise<DbtJob>;
  findJob(name: string, signal: AbortSignal): Promise<DbtJob>;
  trigger(jobId: number, options: TriggerOptions, signal: AbortSignal): Promise<DbtRun>;
  getRun(runId: number, signal: AbortSignal): Promise<DbtRun>;
  listRuns(jobId: number, limit: number, signal: AbortSignal): Promise<readonly DbtRun[]>;
  /** null when the run has no run_results.json (yet, or because it failed before dbt ran). */
  runResults(runId: number, signal: AbortSignal): Promise<readonly RunResult[] | null>;
  /** The number of jobs the token can see: proves URL, account and token together, changing nothing. */
  countJobs(signal: AbortSignal): Promise<number>;
  close(): void;
}

interface Envelope<T> {
  readonly status?: { readonly code?: number; readonly is_success?: boolean; readonly user_message?: string; readonly developer_message?: string };
  readonly data: T;
  readonly extra?: { readonly pagination?: { readonly count?: number; readonly total_count?: number } };
}

type Json = Record<string, unknown>;
const PAGE = 100;


export function createDbtCloudClient(options: DbtCloudClientOptions): DbtCloudClient {
  const base = `${options.url.replace(/\/+$/, '')}/api/v2/accounts/${options.accountId}`;
  const sleep = options.sleep ?? cancellableSleep;
  const maxRetries = options.maxRetries ?? 3;

  async function call<T>(method: 'GET' | 'POST', path: string, query: Record<string, string | number> | null, body: Json | null, signal: AbortSignal): Promise<Envelope<T>> {
    const url = `${base}${path}${query ? `?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString()}` : ''}`;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: { Authorization: `Bearer ${options.token}`, Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs ?? 15_000)]),
        });
      } catch (error) {
        if (signal.aborted) throw new ConnectorError('cancelled', 'Cancelled.');
        throw new ConnectorError('unavailable', `dbt Cloud could not be reached at ${options.url}: ${(error as Error).message}`, "Check the connection's url (the account's access URL) and the network path to it.");
      }
      if (res.status === 429 && attempt < maxRetries) {
        // Retry-After is in seconds; without one, back off a second and more each time.
        const after = Number(res.headers.get('retry-after'));
        await res.body?.cancel();
        await sleep(Number.isFinite(after) && after >= 0 ? after * 1000 : 1000 * (attempt + 1), signal);
        continue;
      }
      const text = await res.text();
      let parsed: Envelope<T> | null = null;
      try {
        parsed = JSON.parse(text) as Envelope<T>;
      } catch {
        parsed = null;
      }
      if (res.ok && parsed) return parsed;
      throw failure(res.status, parsed?.status?.user_message ?? text.slice(0, 200), path, res.headers.get('retry-after'));
    }
  }

  function failure(status: number, message: string, path: string, retryAfter: string | null): ConnectorError {
    const said = message ? `: ${message}` : '';
    switch (status) {
      case 401:
        return new ConnectorError('forbidden', `dbt Cloud did not accept the connection's token (HTTP 401)${said}`, 'Check token in opsbook.config.yaml: a service token of this account, not expired.');
      case 403:
        return new ConnectorError('forbidden', `dbt Cloud refused ${path} (HTTP 403)${said}`, 'The service token needs Job Admin to trigger runs and Job Viewer to read them.');
      case 404:
        return new ConnectorError('connector_error', `dbt Cloud has no ${path.replace(/\/$/, '')} in account ${options.accountId} (HTTP 404)${said}`, 'Check the job or run id, and the connection\'s accountId.');
      case 429:
        return new ConnectorError('unavailable', `dbt Cloud kept answering "too many requests" (HTTP 429)${said}`, `Try again in ${retryAfter ?? 'a few'} seconds; other tools may be using the same token.`);
      default:
        return new ConnectorError(status >= 500 ? 'unavailable' : 'connector_error', `dbt Cloud answered HTTP ${status} for ${path}${said}`);
    }
  }

  return {
    async getJob(jobId, signal) {
      return job((await call<Json>('GET', `/jobs/${jobId}/`, null, null, signal)).data);
    },
    async findJob(name, signal) {
      const names: string[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const page = await call<Json[]>('GET', '/jobs/', { limit: PAGE, offset, order_by: 'id' }, null, signal);
        const found = page.data.find((j) => j.name === name);
        if (found) return job(found);
        names.push(...page.data.map((j) => String(j.name)));
        const total = page.extra?.pagination?.total_count ?? 0;
        if (page.data.length === 0 || offset + page.data.length >= total) break;
      }
      throw new ConnectorError('connector_error', `dbt Cloud account ${options.accountId} has no job named "${name}".`, names.length ? `Its jobs: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}.` : 'It has no jobs the token can see.');
    },
    async trigger(jobId, o, signal) {
      const body: Json = {
        cause: o.cause,
        ...(o.stepsOverride ? { steps_override: o.stepsOverride } : {}),
        ...(o.gitBranch ? { git_branch: o.gitBranch } : {}),
        ...(o.schemaOverride ? { schema_override: o.schemaOverride } : {}),
        ...(o.targetNameOverride ? { target_name_override: o.targetNameOverride } : {}),
        ...(o.threadsOverride ? { threads_override: o.threadsOverride } : {}),
      };
      return run((await call<Json>('POST', `/jobs/${jobId}/run/`, null, body, signal)).data);
    },
    async getRun(runId, signal) {
      return run((await call<Json>('GET', `/runs/${runId}/`, { include_related: '["run_steps","job"]' }, null, signal)).data);
    },
    async listRuns(jobId, limit, signal) {
      const page = await call<Json[]>('GET', '/runs/', { job_definition_id: jobId, order_by: '-id', limit, offset: 0 }, null, signal);
      return page.data.map(run);
    },
    async runResults(runId, signal) {
      try {
        const envelope = await call<Json>('GET', `/runs/${runId}/artifacts/run_results.json`, null, null, signal);
        // The artifact is the file itself, not an envelope; `data` is absent then.
        const file = (envelope.data ?? envelope) as unknown as Json;
        const results = Array.isArray(file.results) ? (file.results as Json[]) : [];
        return results.map((r) => ({
          uniqueId: String(r.unique_id ?? ''),
          status: String(r.status ?? ''),
          executionTime: typeof r.execution_time === 'number' ? r.execution_time : null,
          message: typeof r.message === 'string' ? r.message : null,
          failures: typeof r.failures === 'number' ? r.failures : null,
        }));
      } catch (error) {
        if (error instanceof ConnectorError && /HTTP 404/.test(error.message)) return null;
        throw error;
      }
    },
    async countJobs(signal) {
      const page = await call<Json[]>('GET', '/jobs/', { limit: 1, offset: 0 }, null, signal);
      return page.extra?.pagination?.total_count ?? page.data.length;
    },
    close() {
      // fetch keeps no connection of its own to close.
    },
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);

function job(j: Json): DbtJob {
  return { id: Number(j.id), name: String(j.name ?? ''), executeSteps: Array.isArray(j.execute_steps) ? (j.execute_steps as string[]) : [], environmentId: typeof j.environment_id === 'number' ? j.environment_id : null };
}

function run(r: Json): DbtRun {
  const steps = Array.isArray(r.run_steps) ? (r.run_steps as Json[]) : [];
  return {
    id: Number(r.id),
    jobId: Number(r.job_definition_id),
    status: Number(r.status),
    statusHumanized: str(r.status_humanized) ?? RUN_STATUS[Number(r.status)] ?? String(r.status),
    statusMessage: str(r.status_message),
    createdAt: str(r.created_at),
    startedAt: str(r.started_at),
    finishedAt: str(r.finished_at),
    durationHumanized: str(r.duration_humanized),
    gitSha: str(r.git_sha),
    href: str(r.href),
    steps: steps.map((s) => ({
      index: Number(s.index),
      name: String(s.name ?? ''),
      status: Number(s.status),
      logs: str(s.logs) ?? '',
      startedAt: str(s.started_at),
      finishedAt: str(s.finished_at),
    })),
  };
}
