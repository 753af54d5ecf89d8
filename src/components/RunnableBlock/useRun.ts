/**
 * The run state machine: idle -> running -> succeeded | failed | cancelled | rejected (and again).
 * Rows land in a ref and reach React at most once per animation frame, so a large result streams
 * without a render per batch; logs go to a Transcript, never to React state.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AirflowRunState, Cell, ColumnInfo, DoneMessage, RunStatus } from '@site/server/protocol';
import { getRunClient, type RunEvent, type RunHandle, type RunLink, type RunRequest } from '@site/src/lib/runClient';
import { asRunState, mergeRunState } from './airflow';
import { ansi, Transcript } from './transcript';
import { rowsChanged } from './writeOutcome';
import type { KeptInfo } from './KeptGrid';

export type UiStatus = 'idle' | 'running' | RunStatus;

/** Where a run goes; kept with the result so errors can say where they came from. */
export interface RunTarget {
  readonly env: string;
  readonly envLabel: string;
  readonly production: boolean;
  readonly target: string;
}

export interface RunView {
  readonly status: UiStatus;
  readonly target: RunTarget | null;
  readonly snippet: string | null;
  readonly columns: readonly ColumnInfo[];
  /** Rows visible so far; bumps at most once per frame. */
  readonly rowCount: number;
  readonly elapsedMs: number;
  readonly done: DoneMessage | null;
  /** Airflow: the latest state of each DAG run the server follows (or read), in order of appearance. */
  readonly airflow: readonly AirflowRunState[];
  /** The run was a dry run (`preview: true`): it listed what a clear would reset and changed nothing. */
  readonly preview: boolean;
  /** The run's link to the server: `live` until the socket drops mid-run (runClient's RunLink). */
  readonly link: 'live' | RunLink;
  /** The result was too long to stream whole: the server kept it, and the grid reads it from there. */
  readonly kept: KeptInfo | null;
}

export interface UseRun {
  readonly view: RunView;
  /** All rows received for the current run (grows in place; read it when rowCount changes). */
  readonly rows: readonly (readonly Cell[])[];
  readonly transcript: Transcript;
  start(request: RunRequest, target: RunTarget): void;
  cancel(): void;
}

const IDLE: RunView = { status: 'idle', target: null, snippet: null, columns: [], rowCount: 0, elapsedMs: 0, done: null, airflow: [], preview: false, link: 'live', kept: null };
const TICK_MS = 100;

export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

function clock(): string {
  return new Date().toLocaleTimeString(undefined, { hour12: false });
}

function summary(done: DoneMessage, hadColumns: boolean): string {
  const rows = `${done.rowCount.toLocaleString()} row${done.rowCount === 1 ? '' : 's'}${done.truncated ? ' (truncated)' : ''}`;
  // An Airflow command returns no result set: "0 rows" would only be noise there.
  const changed = done.rowsAffected === undefined ? [] : [rowsChanged(done.rowsAffected)];
  const text = [done.status, ...(hadColumns || done.rowCount > 0 ? [rows] : []), ...changed, formatElapsed(done.elapsedMs)].join(' · ');
  const line = done.status === 'succeeded' && done.rowsAffected === 0 ? ansi.yellow(`⚠ ${text} — the write matched nothing`)
    : done.rolledBack ? ansi.yellow(`↺ ${text} — rolled back, nothing changed`)
    : done.status === 'succeeded' ? ansi.green(`✔ ${text}`) : done.status === 'cancelled' ? ansi.yellow(`■ ${text}`) : ansi.red(`✖ ${text}`);
  const check = done.check ? `\n  ${done.check.passed ? ansi.green('check passed') : ansi.red('check failed')}: ${done.check.detail}` : '';
  const error = done.error
    ? `\n  ${ansi.red(`${done.error.code}: ${done.error.message.replace(/\n/g, '\n  ')}`)}${done.error.hint ? `\n  ${ansi.dim(`hint: ${done.error.hint}`)}` : ''}`
    : '';
  return `${ansi.dim(clock())} ${line}${check}${error}`;
}

export function useRun(wsUrl: () => string): UseRun {
  const [view, setView] = useState<RunView>(IDLE);
  const rowsRef = useRef<(readonly Cell[])[]>([]);
  const transcriptRef = useRef<Transcript | null>(null);
  transcriptRef.current ??= new Transcript();
  const transcript = transcriptRef.current;
  const handleRef = useRef<RunHandle | null>(null);
  const frameRef = useRef(0);
  const startedRef = useRef(0);
  const hadColumnsRef = useRef(false);
  /** Each followed run's last state word, so the terminal notes a run's transitions, not every poll. */
  const runStatesRef = useRef(new Map<string, string>());

  const flushRows = useCallback(() => {
    frameRef.current = 0;
    const count = rowsRef.current.length;
    setView((v) => (v.rowCount === count ? v : { ...v, rowCount: count }));
  }, []);

  const onEvent = useCallback(
    (event: RunEvent) => {
      switch (event.type) {
        case 'accepted':
          transcript.line(ansi.dim(`  accepted as run ${event.runId}`));
          return;
        case 'columns':
          hadColumnsRef.current = true;
          setView((v) => ({ ...v, columns: event.columns }));
          return;
        case 'rows': {
          const rows = rowsRef.current;
          for (const row of event.rows) rows.push(row); // no spread: batches can be large
          if (frameRef.current === 0) frameRef.current = requestAnimationFrame(flushRows);
          return;
        }
        case 'log':
          transcript.write(event.stream === 'stderr' ? ansi.yellow(event.text) : event.text);
          if (!/\n$/.test(event.text)) transcript.write('\n');
          return;
        case 'state': {
          const state = asRunState(event.state);
          if (!state) {
            transcript.line(ansi.cyan(`  state ${JSON.stringify(event.state)}`));
            return;
          }
          // Task states go to the grid; the terminal keeps only the run's own transitions.
          const key = `${state.dagId}/${state.runId}`;
          if (runStatesRef.current.get(key) !== state.state) {
            runStatesRef.current.set(key, state.state);
            transcript.line(ansi.dim(`  ${state.dagId} run ${state.runId}: ${state.state}`));
          }
          setView((v) => ({ ...v, airflow: mergeRunState(v.airflow, state) }));
          return;
        }
        case 'kept':
          transcript.line(ansi.dim(`  ${event.rows.toLocaleString()} rows kept on the server until ${new Date(event.expiresAt).toLocaleTimeString(undefined, { hour12: false })}: the grid pages, sorts and filters them there`));
          setView((v) => ({ ...v, kept: { runId: event.runId, rows: event.rows, truncated: event.truncated, expiresAt: event.expiresAt } }));
          return;
        case 'done': {
          cancelAnimationFrame(frameRef.current);
          frameRef.current = 0;
          handleRef.current = null;
          transcript.line(summary(event, hadColumnsRef.current));
          const count = rowsRef.current.length;
          setView((v) => ({ ...v, status: event.status, rowCount: count, elapsedMs: event.elapsedMs, done: event }));
          return;
        }
      }
    },
    [flushRows, transcript],
  );

  /** The socket dropped mid-run, or the run came back on a new one: said in the terminal and the status line. */
  const onLink = useCallback(
    (link: RunLink) => {
      transcript.line(
        link === 'reconnecting'
          ? ansi.yellow(`${clock()} ⟳ connection lost — reconnecting; the run goes on at the server`)
          : ansi.green(`${clock()} ✔ reconnected — output continued`),
      );
      setView((v) => (v.status === 'running' ? { ...v, link } : v));
    },
    [transcript],
  );

  const start = useCallback(
    (request: RunRequest, target: RunTarget) => {
      handleRef.current?.dispose();
      cancelAnimationFrame(frameRef.current);
      frameRef.current = 0;
      rowsRef.current = [];
      hadColumnsRef.current = false;
      runStatesRef.current.clear();
      startedRef.current = performance.now();
      const params = Object.entries(request.params ?? {})
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ');
      transcript.line(
        `${ansi.dim(clock())} ${ansi.bold(`▶ ${request.snippet}`)} on ${target.production ? ansi.red(target.env) : ansi.cyan(target.env)}` +
          ` · target ${target.target}${params ? ansi.dim(` · ${params}`) : ''}${request.preview ? ansi.yellow(' · dry run') : ''}`,
      );
      setView({ ...IDLE, status: 'running', target, snippet: request.snippet, preview: request.preview === true });
      handleRef.current = getRunClient(wsUrl()).start(request, onEvent, onLink);
    },
    [onEvent, onLink, transcript, wsUrl],
  );

  const cancel = useCallback(() => {
    handleRef.current?.cancel();
  }, []);

  // The elapsed timer ticks only while running; the final value comes from the server's `done`.
  const running = view.status === 'running';
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => {
      setView((v) => (v.status === 'running' ? { ...v, elapsedMs: performance.now() - startedRef.current } : v));
    }, TICK_MS);
    return () => clearInterval(timer);
  }, [running]);

  useEffect(
    () => () => {
      handleRef.current?.dispose();
      cancelAnimationFrame(frameRef.current);
    },
    [],
  );

  return { view, rows: rowsRef.current, transcript, start, cancel };
}
