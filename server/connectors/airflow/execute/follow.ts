/**
 * Follows DAG runs until they end: polls each run and its task instances, sends a `state` message when
 * anything changed, and streams every task try's log as it is written, following continuation tokens
 * until the log is complete. Stopping (cancel) only stops following: the runs go on in Airflow.
 */
import type { AirflowRunState } from '../../../protocol';
import type { AirflowClient, DagRunInfo, RequiredAction, TaskInstanceInfo } from '../types';
import { ANSI, type Output } from './channel';

export interface FollowOptions {
  readonly client: AirflowClient;
  readonly out: Output;
  readonly signal: AbortSignal;
  readonly pollMs: number;
  /** Name the run in log headers (when several runs are followed at once). */
  readonly showRun?: boolean;
}

interface LogCursor {
  readonly taskId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
  token: string | null;
  /** Empty reads after the try ended. */
  idle: number;
  done: boolean;
}

const FINISHED_RUN = new Set(['success', 'failed']);
const FINISHED_TI = new Set(['success', 'failed', 'upstream_failed', 'skipped', 'removed', 'up_for_retry']);
/** Reads of one log per poll, so a fast writer's backlog drains without starving the state updates. */
const READS_PER_POLL = 32;

export function stateOf(run: DagRunInfo, tis: readonly TaskInstanceInfo[], actions: readonly RequiredAction[] = []): AirflowRunState {
  return {
    dagId: run.dagId, runId: run.runId, state: run.state, logicalDate: run.logicalDate,
    tasks: tis.map((t) => ({ taskId: t.taskId, state: t.state, tryNumber: t.tryNumber, startDate: t.startDate, endDate: t.endDate, ...(t.mapIndex >= 0 ? { mapIndex: t.mapIndex } : {}) })),
    ...(actions.length
      ? { requiredActions: actions.map((a) => ({ taskId: a.taskId, mapIndex: a.mapIndex, subject: a.subject, body: a.body, options: a.options, multiple: a.multiple, chosen: a.chosen, answeredBy: a.answeredBy })) }
      : {}),
  };
}

/** How a task instance is named in the terminal: `transform[2]` for map index 2 of a mapped task. */
export const tiName = (taskId: string, mapIndex: number): string => (mapIndex >= 0 ? `${taskId}[${mapIndex}]` : taskId);

/**
 * A run's human-in-the-loop tasks, read only while one of its task instances is deferred (a waiting
 * HITL task defers), or while one was seen waiting, so its answer shows up too.
 */
async function requiredActions(o: FollowOptions, run: DagRunInfo, tis: readonly TaskInstanceInfo[], known: readonly RequiredAction[]): Promise<RequiredAction[]> {
  if (!tis.some((t) => t.state === 'deferred') && !known.some((a) => a.chosen === null)) return [...known];
  return o.client.listRequiredActions(run.dagId, run.runId, o.signal);
}

/** Resolves with each run's final state; rejects with the client's ConnectorError (or cancelled). */
export async function followRuns(runs: readonly DagRunInfo[], o: FollowOptions): Promise<{ run: DagRunInfo; tis: TaskInstanceInfo[] }[]> {
  return Promise.all(runs.map((r) => followRun(r, o)));
}

async function followRun(initial: DagRunInfo, o: FollowOptions): Promise<{ run: DagRunInfo; tis: TaskInstanceInfo[] }> {
  const cursors = new Map<string, LogCursor>();
  let lastState = '';
  let lastSource = '';
  let run = initial;
  let tis: TaskInstanceInfo[] = [];
  let actions: RequiredAction[] = [];
  let graceAfterEnd = 3;
  for (;;) {
    throwIfAborted(o.signal);
    [run, tis] = await Promise.all([o.client.getRun(run.dagId, run.runId, o.signal), o.client.listTaskInstances(run.dagId, run.runId, o.signal)]);
    actions = await requiredActions(o, run, tis, actions);
    const state = stateOf(run, tis, actions);
    const json = JSON.stringify(state);
    if (json !== lastState) {
      o.out.state(state);
      lastState = json;
    }
    for (const ti of tis) {
      if (ti.tryNumber < 1 || ti.state === null || ti.state === 'scheduled' || ti.state === 'queued') continue;
      const key = `${ti.taskId}#${ti.mapIndex}#${ti.tryNumber}`;
      let cursor = cursors.get(key);
      if (!cursor) {
        cursor = { taskId: ti.taskId, mapIndex: ti.mapIndex, tryNumber: ti.tryNumber, token: null, idle: 0, done: false };
        cursors.set(key, cursor);
      }
    }
    const finishedTry = (c: LogCursor) => {
      const ti = tis.find((t) => t.taskId === c.taskId && t.mapIndex === c.mapIndex);
      return !ti || ti.tryNumber > c.tryNumber || FINISHED_TI.has(ti.state ?? '') || FINISHED_RUN.has(run.state);
    };
    for (const c of cursors.values()) {
      for (let i = 0; i < READS_PER_POLL && !c.done; i++) {
        const chunk = await o.client.readLog(run.dagId, run.runId, c.taskId, c.tryNumber, c.token, o.signal, c.mapIndex);
        if (chunk.text) {
          const source = `${c.taskId}#${c.mapIndex}#${c.tryNumber}`;
          if (source !== lastSource) {
            o.out.log(ANSI.cyan(`── ${tiName(c.taskId, c.mapIndex)} · try ${c.tryNumber}${o.showRun ? ` · ${run.runId}` : ''} ──`));
            lastSource = source;
          }
          o.out.log(chunk.text);
        }
        // A null token is Airflow saying the log is complete (Airflow 2's end_of_log, mapped by the client).
        if (chunk.token === null) c.done = true;
        else c.token = chunk.token;
        if (chunk.text) continue;
        // Nothing new: wait for the next poll, unless the try is over and the server never says so.
        if (finishedTry(c) && ++c.idle >= 2) c.done = true;
        break;
      }
    }
    if (FINISHED_RUN.has(run.state)) {
      const pending = [...cursors.values()].some((c) => !c.done);
      if (!pending || --graceAfterEnd < 0) return { run, tis };
    }
    await sleep(o.pollMs, o.signal);
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new Cancelled();
}

export class Cancelled extends Error {
  constructor() {
    super('Stopped following: the DAG run keeps going in Airflow.');
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
