/**
 * Runs a list of checks through the page's run socket and reports each result as it lands: the engine of
 * "Run all checks" on a runbook (one at a time, in page order) and of "Run every check" on the Health page
 * (a few at a time). At most `concurrency` runs are open at once, below the server's per-socket limit
 * (`limits.runsPerSocket`, 4 by default) so a block run by hand beside it still fits; a run the server
 * refuses as `busy` all the same goes back in the queue. Stopping cancels what runs and skips the rest.
 */
import type { Cell, ColumnInfo, DoneMessage } from '@site/server/protocol';
import type { CheckOrigin } from '@site/server/checks/types';
import type { RunHandle, RunRequest } from './runClient';

export interface CheckJob {
  readonly request: RunRequest;
}

export interface CheckRunResult {
  readonly done: DoneMessage;
  readonly columns: readonly ColumnInfo[];
  /** The first rows (bounded): a failed check's rows, for the block it came from. */
  readonly rows: readonly (readonly Cell[])[];
}

/** What the runner needs of the run client (RunClient.start). */
export type StartRun = (request: RunRequest, onEvent: Parameters<import('./runClient').RunClient['start']>[1]) => RunHandle;

export interface RunChecksOptions {
  readonly start: StartRun;
  readonly concurrency: number;
  /** Rows kept per result. */
  readonly keepRows?: number;
  /** How often one job may come back `busy` or `rate_limited` before it counts as its result. */
  readonly busyRetries?: number;
  /** Schedules the retry of a run refused for the socket's budget (tests inject it). */
  readonly setTimer?: (fn: () => void, ms: number) => void;
  onStart?(index: number): void;
  onResult(index: number, result: CheckRunResult): void;
  /** A job that never ran because the operator stopped. */
  onSkipped?(index: number): void;
}

export interface CheckRun {
  /** Resolves once every job has a result or was skipped. */
  readonly finished: Promise<void>;
  stop(): void;
}

export function runChecks(jobs: readonly CheckJob[], options: RunChecksOptions): CheckRun {
  const keepRows = options.keepRows ?? 1000;
  const busyRetries = options.busyRetries ?? 20;
  const queue = jobs.map((_, i) => i);
  const busyCount = new Map<number, number>();
  const open = new Map<number, RunHandle>();
  let stopped = false;
  let resolveFinished: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    resolveFinished = resolve;
  });

  const setTimer = options.setTimer ?? ((fn: () => void, ms: number) => void setTimeout(fn, ms));
  /** Runs refused for the socket's budget, waiting to be asked again. */
  let waiting = 0;
  const settle = (): void => {
    if (open.size === 0 && waiting === 0 && (queue.length === 0 || stopped)) {
      if (stopped) for (const i of queue.splice(0)) options.onSkipped?.(i);
      resolveFinished();
    }
  };

  const launch = (index: number): void => {
    const job = jobs[index]!;
    let columns: readonly ColumnInfo[] = [];
    const rows: (readonly Cell[])[] = [];
    let ended = false;
    options.onStart?.(index);
    const handle = options.start(job.request, (event) => {
      if (event.type === 'columns') columns = event.columns;
      else if (event.type === 'rows' && rows.length < keepRows) rows.push(...event.rows.slice(0, keepRows - rows.length));
      else if (event.type === 'done') {
        ended = true;
        open.delete(index);
        const busy = event.error?.code === 'busy' && (busyCount.get(index) ?? 0) < busyRetries && !stopped;
        // Over the socket's budget: nothing ran; ask again once the server says there is room.
        const limited = event.error?.code === 'rate_limited' && (busyCount.get(index) ?? 0) < busyRetries && !stopped;
        if (busy || limited) {
          // Another tab or block took the slot: try again after the next run ends, not at once.
          busyCount.set(index, (busyCount.get(index) ?? 0) + 1);
          queue.unshift(index);
        } else options.onResult(index, { done: event, columns, rows });
        if (limited) {
          // Every run sent now would be refused too (the budget is the socket's), and refusals in a row
          // close the socket: nothing more is sent until the server's time is up.
          waiting += 1;
          setTimer(() => {
            waiting -= 1;
            pump();
            settle();
          }, event.error?.retryAfterMs ?? 1000);
          return;
        }
        pump(busy);
        settle();
      }
    });
    // A client may end a run before `start` returns (cancelled while queued): then it is not open.
    if (!ended) open.set(index, handle);
  };

  const pump = (afterBusy = false): void => {
    // After a refusal, wait for one of our own runs to end before asking again (when we have one open).
    const limit = afterBusy && open.size > 0 ? open.size : options.concurrency;
    while (!stopped && waiting === 0 && open.size < limit && queue.length > 0) launch(queue.shift()!);
  };

  pump();
  settle();
  return {
    finished,
    stop() {
      if (stopped) return;
      stopped = true;
      for (const handle of open.values()) handle.cancel();
      settle();
    },
  };
}

/** A check's run request, saying who asked (`origin`: recorded with the result, so the Health page can tell a schedule's result from a person's). */
export function checkRequest(request: RunRequest, origin: Exclude<CheckOrigin, 'schedule'>): RunRequest {
  return { ...request, origin };
}
