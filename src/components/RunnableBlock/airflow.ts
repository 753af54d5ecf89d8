/**
 * Airflow in the page, without React: which command a block runs, the latest `state` per DAG run, the
 * overall state the block root reports, and how each task state looks (colour AND icon AND words, so no
 * state is told by colour alone). Unit-tested in airflow.test.ts.
 */
import type { AirflowRunState } from '@site/server/protocol';

export type AirflowTask = AirflowRunState['tasks'][number];

/** `dags trigger`, `tasks clear`, … — the first two words of the command; null when it is not one. */
export function airflowCommand(code: string): string | null {
  const m = /^\s*(dags|tasks|variables)\s+([a-z-]+)/.exec(code);
  return m ? `${m[1]} ${m[2]}` : null;
}

/** Commands whose run the server follows until it ends; cancelling them only stops following. */
export function followsRuns(command: string | null): boolean {
  return command === 'dags trigger' || command === 'tasks clear' || command === 'dags backfill';
}

function isTask(value: unknown): value is AirflowTask {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  return typeof t.taskId === 'string' && (t.state === null || typeof t.state === 'string') && typeof t.tryNumber === 'number';
}

/** The `state` payload as an AirflowRunState, or null when it is something else (then it is only logged). */
export function asRunState(value: unknown): AirflowRunState | null {
  if (typeof value !== 'object' || value === null) return null;
  const s = value as Record<string, unknown>;
  if (typeof s.dagId !== 'string' || typeof s.runId !== 'string' || typeof s.state !== 'string' || !Array.isArray(s.tasks)) return null;
  if (!s.tasks.every(isTask)) return null;
  return value as AirflowRunState;
}

/** Keeps the latest state of each run, in the order the runs first appeared (a clear may follow several). */
export function mergeRunState(runs: readonly AirflowRunState[], next: AirflowRunState): readonly AirflowRunState[] {
  const i = runs.findIndex((r) => r.dagId === next.dagId && r.runId === next.runId);
  if (i < 0) return [...runs, next];
  const copy = runs.slice();
  copy[i] = next;
  return copy;
}

/** What is still going outranks what ended; among ended runs a failure outranks a success. */
const RUN_RANK = ['running', 'queued', 'failed', 'success'];

/** One word for the block root (`data-airflow-state`): the runs' state, or the most pressing of them. */
export function overallRunState(runs: readonly AirflowRunState[]): string | null {
  if (runs.length === 0) return null;
  const rank = (s: string) => {
    const i = RUN_RANK.indexOf(s);
    return i < 0 ? RUN_RANK.length : i;
  };
  return runs.map((r) => r.state).reduce((a, b) => (rank(b) < rank(a) ? b : a));
}

export type Tone = 'ok' | 'danger' | 'upstream' | 'retry' | 'active' | 'waiting' | 'skipped' | 'idle' | 'other';

export interface StateLook {
  readonly label: string;
  /** A text glyph (no emoji presentation), shown beside the label. */
  readonly icon: string;
  readonly tone: Tone;
}

const LOOKS: Readonly<Record<string, StateLook>> = {
  success: { label: 'success', icon: '✓', tone: 'ok' },
  failed: { label: 'failed', icon: '✗', tone: 'danger' },
  upstream_failed: { label: 'upstream failed', icon: '⊘', tone: 'upstream' },
  up_for_retry: { label: 'up for retry', icon: '↻', tone: 'retry' },
  up_for_reschedule: { label: 'up for reschedule', icon: '↻', tone: 'retry' },
  restarting: { label: 'restarting', icon: '↺', tone: 'retry' },
  running: { label: 'running', icon: '▸', tone: 'active' },
  deferred: { label: 'deferred', icon: '‖', tone: 'waiting' },
  queued: { label: 'queued', icon: '⋯', tone: 'waiting' },
  scheduled: { label: 'scheduled', icon: '◷', tone: 'waiting' },
  skipped: { label: 'skipped', icon: '↷', tone: 'skipped' },
  removed: { label: 'removed', icon: '–', tone: 'skipped' },
  none: { label: 'no status', icon: '○', tone: 'idle' },
};

/** The wire value as the grid's `data-state`: Airflow's null ("no status yet") becomes `none`. */
export function stateKey(state: string | null): string {
  return state ?? 'none';
}

export function stateLook(state: string | null): StateLook {
  const key = stateKey(state);
  return LOOKS[key] ?? { label: key.replace(/_/g, ' '), icon: '•', tone: 'other' };
}

/** Task counts per state, in the order an operator reads them (problems first), for the run's summary. */
export function stateCounts(tasks: readonly AirflowTask[]): readonly (readonly [string, number])[] {
  const order = ['failed', 'upstream_failed', 'up_for_retry', 'running', 'queued', 'scheduled', 'success', 'skipped', 'none'];
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(stateKey(t.state), (counts.get(stateKey(t.state)) ?? 0) + 1);
  const rank = (s: string) => (order.includes(s) ? order.indexOf(s) : order.length);
  return [...counts].sort((a, b) => rank(a[0]) - rank(b[0]));
}

/** `0.8 s`, `2 min 05 s`; null until the task has both a start and an end. */
export function taskDuration(task: Pick<AirflowTask, 'startDate' | 'endDate'>): string | null {
  if (!task.startDate || !task.endDate) return null;
  const ms = Date.parse(task.endDate) - Date.parse(task.startDate);
  if (!Number.isFinite(ms) || ms < 0) return null;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')} s`;
}

/**
 * Where a clear's two steps stand: `off` (not a dry run), `listing` (the dry run is under way),
 * `confirm` (its list is shown and still matches the values), `nothing` (it matched no task instance),
 * `stale` (the values changed since: list again), `failed` (the dry run did not finish; the alert says why).
 */
export type ClearStage = 'off' | 'listing' | 'confirm' | 'nothing' | 'stale' | 'failed';

export function clearStage(s: {
  readonly enabled: boolean;
  readonly preview: boolean;
  readonly status: string;
  readonly rowCount: number;
  /** The dry run was made for the values the form holds now. */
  readonly fresh: boolean;
}): ClearStage {
  if (!s.enabled || !s.preview) return 'off';
  if (s.status === 'running') return 'listing';
  if (s.status !== 'succeeded') return 'failed';
  if (!s.fresh) return 'stale';
  return s.rowCount === 0 ? 'nothing' : 'confirm';
}

export interface ClearGroup {
  readonly dagId: string;
  readonly runId: string;
  readonly tasks: readonly { readonly taskId: string; readonly state: string | null }[];
}

/**
 * A clear's rows (dag_id, run_id, task_id, state — found by column name) grouped by DAG run, so the
 * confirmation reads "in this run, these tasks" at any width; the result grid keeps the full table.
 */
export function clearGroups(columns: readonly { readonly name: string }[], rows: readonly (readonly unknown[])[], rowCount: number): readonly ClearGroup[] {
  const at = (name: string) => columns.findIndex((c) => c.name === name);
  const [dag, run, task, state, mapIndex] = [at('dag_id'), at('run_id'), at('task_id'), at('state'), at('map_index')];
  if (dag < 0 || run < 0 || task < 0) return [];
  const groups = new Map<string, { dagId: string; runId: string; tasks: { taskId: string; state: string | null }[] }>();
  for (const row of rows.slice(0, rowCount)) {
    const dagId = String(row[dag] ?? '');
    const runId = String(row[run] ?? '');
    const key = `${dagId}\u0000${runId}`;
    let group = groups.get(key);
    if (!group) {
      group = { dagId, runId, tasks: [] };
      groups.set(key, group);
    }
    const s = state < 0 ? null : row[state];
    // A mapped task's instances are told apart by their map index: `transform [2]`.
    const m = mapIndex < 0 ? null : row[mapIndex];
    const taskId = String(row[task] ?? '');
    group.tasks.push({ taskId: typeof m === 'number' && m >= 0 ? `${taskId} [${m}]` : taskId, state: typeof s === 'string' ? s : null });
  }
  return [...groups.values()];
}

/**
 * The status line's count. A dry run's rows are not a result: a trigger's preview is the run it would start,
 * a clear's the task instances it would clear, so the line says that instead of "1 row".
 */
export function rowsText(command: string | null, preview: boolean, rowCount: number): string {
  const n = rowCount.toLocaleString();
  if (preview && command === 'dags trigger') return `preview: ${n} run${rowCount === 1 ? '' : 's'} would start`;
  if (preview && command === 'tasks clear') return `preview: ${n} task instance${rowCount === 1 ? '' : 's'} would be cleared`;
  return `${n} row${rowCount === 1 ? '' : 's'}`;
}
