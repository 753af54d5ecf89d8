/**
 * A client of the Databricks Pipelines API 2.0 for what runbooks do with DLT pipelines: find a pipeline by
 * name (the list filtered with `name LIKE`, paged) or id, start an update (all tables, full refresh, or a
 * selection), read an update, read the event log (paged with next_page_token), stop the active update. Reads
 * go with the read profile's token and writes with the write profile's, as for SQL on the same connection.
 * 429 is retried after Retry-After by DatabricksHttp (its sleep is injected, so tests wait for nothing).
 */
import type * as z from 'zod';
import { ConnectorError } from '../../types';
import { DatabricksHttp, DatabricksHttpError, DatabricksUnreachable, type Sleep } from '../http';
import { isPipelineId } from '../../../../plugins/remark-runbook/syntax/systems/databricks';
import {
  getPipelineResponse, getUpdateResponse, listEventsResponse, listPipelinesResponse, startUpdateResponse, empty,
  type PipelineEvent, type PipelineStateInfo, type StartUpdateRequest, type UpdateInfo,
} from './wire';

export interface PipelinesClientOptions {
  readonly host: string;
  readonly readToken: string;
  /** Absent: this connection only reads (start-update and stop are refused with a hint). */
  readonly writeToken?: string;
  readonly sleep: Sleep;
  readonly maxRetries?: number;
}

export interface Pipeline {
  readonly id: string;
  readonly name: string;
  readonly state: string | null;
  readonly latestUpdates: readonly { readonly updateId: string; readonly state: string | null; readonly creationTime: string | null }[];
}

export interface EventQuery {
  readonly levels?: readonly string[];
  /** Only events at or after this time (ISO), e.g. an update's creation. */
  readonly since?: string;
  /** Stop after this many events. */
  readonly limit: number;
}

export interface PipelinesClient {
  findPipeline(nameOrId: string, signal: AbortSignal): Promise<Pipeline>;
  startUpdate(pipelineId: string, request: StartUpdateRequest, signal: AbortSignal): Promise<string>;
  getUpdate(pipelineId: string, updateId: string, signal: AbortSignal): Promise<UpdateInfo>;
  /** Newest first, every page read until `limit` events or the end. */
  events(pipelineId: string, query: EventQuery, signal: AbortSignal): Promise<readonly PipelineEvent[]>;
  stop(pipelineId: string, signal: AbortSignal): Promise<void>;
  /** For --check-config: how many pipelines the read token can see (first page), changing nothing. */
  countPipelines(signal: AbortSignal): Promise<number>;
}

/** The API's page size limit for pipelines and events (a larger max_results is refused). */
export const PAGE = 100;

const quoteLike = (v: string) => v.replace(/'/g, "''");

export function createPipelinesClient(options: PipelinesClientOptions): PipelinesClient {
  const read = new DatabricksHttp({ host: options.host, token: options.readToken, sleep: options.sleep, ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}) });
  const write = options.writeToken ? new DatabricksHttp({ host: options.host, token: options.writeToken, sleep: options.sleep, ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}) }) : null;
  const host = options.host.replace(/\/+$/, '');

  async function call<T>(http: DatabricksHttp, method: 'GET' | 'POST', path: string, body: unknown, schema: z.ZodType<T>, signal: AbortSignal, what: string, repeatable = method === 'GET'): Promise<T> {
    try {
      return await http.call(method, path, body, schema, signal, repeatable);
    } catch (error) {
      if (signal.aborted) throw new ConnectorError('cancelled', 'Cancelled.');
      throw pipelinesError(error, host, what, http === write ? 'write' : 'read');
    }
  }
  const writer = (what: string) => {
    if (!write) throw new ConnectorError('forbidden', `This Databricks connection has no write profile, so it cannot ${what}.`, 'Add write: {token: "${DATABRICKS_WRITE_TOKEN}"} to the connection: the token of a principal with CAN RUN on the pipeline.');
    return write;
  };

  const toPipeline = (p: PipelineStateInfo): Pipeline => ({
    id: p.pipeline_id,
    name: p.name ?? p.pipeline_id,
    state: p.state ?? null,
    latestUpdates: (p.latest_updates ?? []).map((u) => ({ updateId: u.update_id, state: u.state ?? null, creationTime: u.creation_time ?? null })),
  });

  return {
    async findPipeline(nameOrId, signal) {
      if (isPipelineId(nameOrId)) return toPipeline(await call(read, 'GET', `/api/2.0/pipelines/${nameOrId}`, undefined, getPipelineResponse, signal, `read pipeline ${nameOrId}`));
      // LIKE's _ matches any character, so the filter narrows and the exact name decides.
      const filter = `name LIKE '${quoteLike(nameOrId)}'`;
      const matches: PipelineStateInfo[] = [];
      let token: string | undefined;
      do {
        const query = token ? new URLSearchParams({ page_token: token, max_results: String(PAGE) }) : new URLSearchParams({ filter, max_results: String(PAGE) });
        const page = await call(read, 'GET', `/api/2.0/pipelines?${query.toString()}`, undefined, listPipelinesResponse, signal, 'list pipelines');
        matches.push(...(page.statuses ?? []).filter((p) => p.name === nameOrId));
        token = page.next_page_token;
      } while (token);
      if (matches.length === 1) {
        // The list has no latest updates' details in every workspace; the pipeline itself has.
        return toPipeline(await call(read, 'GET', `/api/2.0/pipelines/${matches[0]!.pipeline_id}`, undefined, getPipelineResponse, signal, `read pipeline ${nameOrId}`));
      }
      if (matches.length > 1) {
        throw new ConnectorError('connector_error', `${matches.length} Databricks pipelines are named "${nameOrId}": ${matches.map((m) => m.pipeline_id).join(', ')}.`, 'Name the pipeline by its id in the block (the id is in the pipeline\'s URL).');
      }
      const some = await call(read, 'GET', `/api/2.0/pipelines?max_results=${PAGE}`, undefined, listPipelinesResponse, signal, 'list pipelines');
      const names = (some.statuses ?? []).map((p) => p.name ?? p.pipeline_id);
      throw new ConnectorError(
        'connector_error',
        `Databricks at ${host} has no pipeline named "${nameOrId}" that the read token can see.`,
        names.length ? `Pipelines it can see: ${names.slice(0, 15).join(', ')}${names.length > 15 || some.next_page_token ? ', …' : ''}. Check the name in the block, or grant the token's principal CAN VIEW on the pipeline.` : 'It sees no pipeline at all: grant its principal CAN VIEW on the pipeline, or check host.',
      );
    },
    async startUpdate(pipelineId, request, signal) {
      // A start is not repeated after a 503: the update may have started.
      const started = await call(writer('start a pipeline update'), 'POST', `/api/2.0/pipelines/${pipelineId}/updates`, request, startUpdateResponse, signal, 'start an update', false);
      return started.update_id;
    },
    async getUpdate(pipelineId, updateId, signal) {
      return (await call(read, 'GET', `/api/2.0/pipelines/${pipelineId}/updates/${updateId}`, undefined, getUpdateResponse, signal, `read update ${updateId}`)).update;
    },
    async events(pipelineId, query, signal) {
      const clauses = [
        ...(query.levels?.length ? [`level in (${query.levels.map((l) => `'${l}'`).join(', ')})`] : []),
        ...(query.since ? [`timestamp >= '${query.since}'`] : []),
      ];
      const first = new URLSearchParams({ max_results: String(Math.min(PAGE, query.limit)), order_by: 'timestamp desc', ...(clauses.length ? { filter: clauses.join(' AND ') } : {}) });
      const out: PipelineEvent[] = [];
      let token: string | undefined;
      do {
        // A page token carries the first request's filter and order; the API refuses them beside it.
        const params = token ? new URLSearchParams({ page_token: token, max_results: String(Math.min(PAGE, query.limit - out.length)) }) : first;
        const page = await call(read, 'GET', `/api/2.0/pipelines/${pipelineId}/events?${params.toString()}`, undefined, listEventsResponse, signal, 'read the event log');
        out.push(...(page.events ?? []));
        token = page.next_page_token;
      } while (token && out.length < query.limit);
      return out.slice(0, query.limit);
    },
    async stop(pipelineId, signal) {
      await call(writer('stop a pipeline update'), 'POST', `/api/2.0/pipelines/${pipelineId}/stop`, {}, empty, signal, 'stop the pipeline', true);
    },
    async countPipelines(signal) {
      const page = await call(read, 'GET', `/api/2.0/pipelines?max_results=${PAGE}`, undefined, listPipelinesResponse, signal, 'list pipelines');
      return (page.statuses ?? []).length;
    },
  };
}

/** Databricks' answers as errors an operator can act on. */
export function pipelinesError(error: unknown, host: string, what: string, profile: 'read' | 'write'): ConnectorError {
  if (error instanceof ConnectorError) return error;
  if (error instanceof DatabricksUnreachable) {
    return new ConnectorError('unavailable', `Could not ${what} on Databricks at ${host}: ${error.message}`, 'Check host (the workspace URL) and that this server can reach it.');
  }
  if (error instanceof DatabricksHttpError) {
    const tag = `[HTTP ${error.status}${error.errorCode ? ` ${error.errorCode}` : ''}]`;
    switch (error.status) {
      case 401:
        return new ConnectorError('unavailable', `Databricks refused the ${profile} token: ${error.message} ${tag}`, `Check ${profile}.token of this connection (its \${ENV} variable): it may be expired, revoked or from another workspace.`, error.errorCode);
      case 403:
        return new ConnectorError('forbidden', `Databricks does not let the ${profile} profile ${what}: ${error.message} ${tag}`, profile === 'write' ? "Grant the write profile's principal CAN RUN (or CAN MANAGE) on the pipeline." : "Grant the read profile's principal CAN VIEW on the pipeline.", error.errorCode);
      case 404:
        return new ConnectorError('connector_error', `Databricks could not ${what}: ${error.message} ${tag}`, 'Check the pipeline name or id in the block, and the update id.', error.errorCode);
      case 409:
        return new ConnectorError('connector_error', `Databricks could not ${what}: ${error.message} ${tag}`, 'An update is already active: follow it with `databricks pipelines get-update`, or stop it first.', error.errorCode);
      case 429:
        return new ConnectorError('unavailable', `Databricks kept throttling the requests: ${error.message} ${tag}`, 'Run it again in a minute; other tools may share the workspace\'s request limit.', error.errorCode);
      default:
        return new ConnectorError(error.status >= 500 ? 'unavailable' : 'connector_error', `Databricks could not ${what}: ${error.message} ${tag}`, undefined, error.errorCode ?? String(error.status));
    }
  }
  return new ConnectorError('unavailable', `Databricks request failed: ${(error as Error).message}`);
}
