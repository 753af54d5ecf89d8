/**
 * One Airflow client interface over two REST APIs (Airflow 2 `/api/v1`, Airflow 3 `/api/v2`). The
 * adapters map each version's shapes to these; the executor and the sandbox tests see only these.
 */
import type { AirflowRequiredAction } from '../../protocol';

export type AirflowApi = 'v1' | 'v2';

export interface DagInfo {
  readonly dagId: string;
  readonly isPaused: boolean | null;
}

export interface DagRunInfo {
  readonly dagId: string;
  readonly runId: string;
  /** queued | running | success | failed */
  readonly state: string;
  readonly runType: string | null;
  readonly logicalDate: string | null;
  readonly startDate: string | null;
  readonly endDate: string | null;
}

export interface TaskInstanceInfo {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  /** null: not scheduled yet (Airflow's "no status"). */
  readonly state: string | null;
  readonly tryNumber: number;
  readonly maxTries: number | null;
  readonly startDate: string | null;
  readonly endDate: string | null;
  readonly duration: number | null;
  readonly mapIndex: number;
}

/** What a clear touches (or would touch, in a dry run). Airflow 2 does not say the state; null then. */
export interface TaskInstanceRef {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly state: string | null;
  /** -1 for a task that is not mapped; null where Airflow 2's answer leaves it unknown. */
  readonly mapIndex: number | null;
}

/**
 * An Airflow 3.1+ human-in-the-loop task waiting for (or given) an answer: a "required action". The task
 * instance is deferred until someone chooses among its options.
 */
export interface RequiredAction extends AirflowRequiredAction {
  readonly dagId: string;
  readonly runId: string;
}

export interface ClearRequest {
  readonly taskIds: readonly string[];
  readonly startDate: string | null;
  readonly endDate: string | null;
  readonly onlyFailed: boolean;
  readonly includeDownstream: boolean;
  readonly includeUpstream: boolean;
  readonly dryRun: boolean;
}

export interface RunQuery {
  readonly state?: string | null;
  /** Stop after this many (newest first); all when absent. */
  readonly limit?: number | null;
  readonly logicalDateGte?: string;
  readonly logicalDateLte?: string;
}

export interface LogChunk {
  /** Lines as text, each ending in \n. */
  readonly text: string;
  /** Pass back to continue where this chunk ended; null when Airflow says the log is complete. */
  readonly token: string | null;
}

export interface BackfillInfo {
  readonly id: number;
  readonly dagId: string;
  readonly fromDate: string;
  readonly toDate: string;
}

export interface AirflowClient {
  readonly api: AirflowApi;
  getDag(dagId: string, signal?: AbortSignal): Promise<DagInfo>;
  listTaskIds(dagId: string, signal?: AbortSignal): Promise<string[]>;
  triggerRun(dagId: string, body: { readonly conf: Readonly<Record<string, unknown>> | null; readonly logicalDate: string | null }, signal?: AbortSignal): Promise<DagRunInfo>;
  getRun(dagId: string, runId: string, signal?: AbortSignal): Promise<DagRunInfo>;
  listRuns(dagId: string, query: RunQuery, signal?: AbortSignal): Promise<DagRunInfo[]>;
  listTaskInstances(dagId: string, runId: string, signal?: AbortSignal): Promise<TaskInstanceInfo[]>;
  clearTaskInstances(dagId: string, request: ClearRequest, signal?: AbortSignal): Promise<TaskInstanceRef[]>;
  /** `mapIndex`: which instance of a mapped task (-1, the default, for a task that is not mapped). */
  readLog(dagId: string, runId: string, taskId: string, tryNumber: number, token: string | null, signal?: AbortSignal, mapIndex?: number): Promise<LogChunk>;
  /** The run's human-in-the-loop tasks (Airflow 3.1+); empty where Airflow has none (Airflow 2, Airflow 3.0). */
  listRequiredActions(dagId: string, runId: string, signal?: AbortSignal): Promise<RequiredAction[]>;
  /** Answers a required action with the chosen options (Airflow 3.1+). */
  answerRequiredAction(action: { readonly dagId: string; readonly runId: string; readonly taskId: string; readonly mapIndex: number }, chosen: readonly string[], signal?: AbortSignal): Promise<RequiredAction>;
  setPaused(dagId: string, paused: boolean, signal?: AbortSignal): Promise<DagInfo>;
  getVariable(key: string, signal?: AbortSignal): Promise<{ readonly key: string; readonly value: string }>;
  setVariable(key: string, value: string, signal?: AbortSignal): Promise<void>;
  /** Airflow 3 only; Airflow 2's REST API has no backfill. */
  createBackfill(dagId: string, fromDate: string, toDate: string, signal?: AbortSignal): Promise<BackfillInfo>;
  close(): void;
}
