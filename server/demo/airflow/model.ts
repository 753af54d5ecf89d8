/**
 * The sandbox's scheduler model: DAG definitions (tasks are SQL steps on the demo warehouse), runs, task
 * instances and their tries with logs. States and enums are Airflow's own (TaskInstanceState, DagRunState).
 */
import type { Warehouse } from './warehouse';
import type { ExtractBucket } from '../s3/extracts';

export type TaskState =
  | 'removed' | 'scheduled' | 'queued' | 'running' | 'success' | 'restarting' | 'failed' | 'up_for_retry'
  | 'up_for_reschedule' | 'upstream_failed' | 'skipped' | 'deferred' | null;
export type RunState = 'queued' | 'running' | 'success' | 'failed';
export type RunType = 'manual' | 'scheduled' | 'backfill';

export const FINISHED: ReadonlySet<TaskState> = new Set<TaskState>(['success', 'failed', 'upstream_failed', 'skipped', 'removed']);

/** A task's failure: the message becomes the log's error line and the exception Airflow would name. */
export class TaskFailure extends Error {
  constructor(readonly exception: string, message: string) {
    super(message);
  }
}

export interface TaskContext {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly tryNumber: number;
  readonly maxTries: number;
  /** YYYY-MM-DD the run loads. */
  readonly businessDate: string;
  readonly conf: Readonly<Record<string, unknown>>;
  /** When the try started, as a warehouse timestamp (local, no zone). */
  readonly startedAt: string;
  readonly warehouse: Warehouse;
  readonly variables: Map<string, { value: string; description: string | null }>;
  log(event: string, level?: 'INFO' | 'WARNING' | 'ERROR'): void;
  /** Now, as a warehouse timestamp. */
  now(): string;
  /**
   * Now to the millisecond, as ISO text with a `T` (it binds as text, so CAST keeps the fraction): a failed try
   * and the retry after it can fall in one second, and "the latest attempt" must not tie.
   */
  preciseNow(): string;
  /** Fails the try if a training fault targets this task. */
  failIfFaulted(): Promise<void>;
  /** Runs statements, logging each (first line) and its row count. */
  sql(text: string, binds?: Readonly<Record<string, string | number>>): Promise<Record<string, unknown>[]>;
  /** Lets the task take its time (scaled), so logs arrive as they are written. */
  pause(fraction: number): Promise<void>;
  /**
   * The try waits this long on the night's timeline (a lock held by another session): the wait is not slept,
   * it moves this try's end and everything the run records after it. Never past the wall clock, so a run
   * replayed before its hour cannot record a future; returns the seconds actually held.
   */
  holdOnTimeline(seconds: number): number;
  /** The demo S3's ecommerce extract files. */
  extracts(): Promise<ExtractBucket>;
  /** The demo dbt Cloud's address and token (a task that runs a dbt Cloud job calls its API). */
  dbtCloud(): Promise<DbtCloudEndpoint>;
  /** The demo Tableau's address and personal access token (a task that refreshes extracts calls its REST API). */
  tableau(): Promise<TableauEndpoint>;
}

export interface DbtCloudEndpoint {
  readonly url: string;
  readonly accountId: number;
  readonly token: string;
}

/** The demo Tableau's address and personal access token. */
export interface TableauEndpoint {
  readonly url: string;
  readonly site: string;
  readonly tokenName: string;
  readonly tokenSecret: string;
}

export type TaskBody = (ctx: TaskContext) => Promise<void>;

export interface TaskDef {
  readonly taskId: string;
  readonly operator: string;
  readonly upstream: readonly string[];
  readonly retries: number;
  /** Typical run time in the demo, before timeScale. */
  readonly durationMs: number;
  readonly body: TaskBody;
}

export interface DagDef {
  readonly dagId: string;
  readonly description: string;
  /** Cron, or null for a DAG that only runs when triggered. */
  readonly schedule: string | null;
  /** Time of day (HH:MM:SS) of its scheduled runs' logical dates, when it differs from the cron's minute. */
  readonly runTime?: string;
  readonly owners: readonly string[];
  readonly tags: readonly string[];
  readonly tasks: readonly TaskDef[];
  /** The etl_control pipeline whose status the run keeps (Canonical DAGs). */
  readonly pipeline?: string;
}

export interface LogLine {
  readonly timestamp: string;
  readonly level: string;
  readonly event: string;
}

export interface Try {
  readonly tryNumber: number;
  state: TaskState;
  startDate: string | null;
  endDate: string | null;
  readonly log: LogLine[];
  /** A try read from the warehouse's job history: its log is written on first read. */
  readonly fromHistory: boolean;
  /** How long the run had waited on the night's timeline when this try started (see DagRun.timelineHeldMs). */
  readonly heldMsAtStart?: number;
}

export interface TaskInstance {
  readonly taskId: string;
  state: TaskState;
  tryNumber: number;
  maxTries: number;
  startDate: string | null;
  endDate: string | null;
  queuedWhen: string | null;
  scheduledWhen: string | null;
  readonly tries: Map<number, Try>;
}

export interface DagRun {
  /** Creation order, for sorting. */
  readonly seq: number;
  readonly dagId: string;
  readonly runId: string;
  readonly runType: RunType;
  readonly triggeredBy: 'rest_api' | 'timetable' | 'backfill' | 'ui';
  state: RunState;
  readonly logicalDate: string | null;
  readonly runAfter: string;
  queuedAt: string | null;
  startDate: string | null;
  endDate: string | null;
  readonly conf: Readonly<Record<string, unknown>>;
  readonly businessDate: string;
  readonly tis: Map<string, TaskInstance>;
  lastSchedulingDecision: string | null;
  /** Set while the engine is working on the run. */
  active: boolean;
  /** Work arrived (a clear) while the engine was on the run: it goes again when done. */
  again?: boolean;
  /**
   * A replayed night (training scenarios): how far the run's warehouse records are moved from the wall
   * clock, so its tries and control rows land on the night's timeline (01:00, not the afternoon).
   */
  readonly recordShiftMs?: number;
  /**
   * How long the run's tries have waited on the night's timeline beyond their real time (a lock wait a
   * training fault injects): the records after the wait move by it, so the night reads as long as it was.
   */
  timelineHeldMs?: number;
}
