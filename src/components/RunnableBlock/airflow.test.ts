import { describe, expect, it } from 'vitest';
import type { AirflowRunState } from '@site/server/protocol';
import { airflowCommand, asRunState, clearGroups, clearStage, followsRuns, mergeRunState, overallRunState, rowsText, stateCounts, stateKey, stateLook, taskDuration } from './airflow';

const task = (taskId: string, state: string | null, tryNumber = 1) => ({ taskId, state, tryNumber, startDate: null, endDate: null });
const run = (runId: string, state: string, tasks = [task('a', 'success')]): AirflowRunState => ({ dagId: 'd', runId, state, logicalDate: null, tasks });

describe('airflow commands', () => {
  it('reads the command from the snippet, after leading space', () => {
    expect(airflowCommand("tasks clear d -t '^x$' -d")).toBe('tasks clear');
    expect(airflowCommand('  dags trigger etl_date_control_update_dag')).toBe('dags trigger');
    expect(airflowCommand('tasks states-for-dag-run d 2026-11-01')).toBe('tasks states-for-dag-run');
    expect(airflowCommand('select 1')).toBeNull();
  });

  it('follows the runs of triggers, clears and backfills only', () => {
    expect(followsRuns('dags trigger')).toBe(true);
    expect(followsRuns('tasks clear')).toBe(true);
    expect(followsRuns('dags backfill')).toBe(true);
    expect(followsRuns('tasks logs')).toBe(false);
    expect(followsRuns(null)).toBe(false);
  });
});

describe('state messages', () => {
  it('accepts an AirflowRunState and refuses anything else', () => {
    expect(asRunState(run('r1', 'running'))).not.toBeNull();
    expect(asRunState({ dagId: 'd', runId: 'r', state: 'running', tasks: [{ taskId: 1 }] })).toBeNull();
    expect(asRunState({ state: 'running' })).toBeNull();
    expect(asRunState(null)).toBeNull();
  });

  it('keeps the latest state per run, in the order runs first appeared', () => {
    let runs = mergeRunState([], run('r1', 'queued'));
    runs = mergeRunState(runs, run('r2', 'running'));
    runs = mergeRunState(runs, run('r1', 'success'));
    expect(runs.map((r) => [r.runId, r.state])).toEqual([
      ['r1', 'success'],
      ['r2', 'running'],
    ]);
  });

  it('reports the most pressing run state: going, then failed, then success', () => {
    expect(overallRunState([])).toBeNull();
    expect(overallRunState([run('r1', 'success')])).toBe('success');
    expect(overallRunState([run('r1', 'success'), run('r2', 'failed')])).toBe('failed');
    expect(overallRunState([run('r1', 'failed'), run('r2', 'running')])).toBe('running');
  });
});

describe('task states as the grid shows them', () => {
  it('gives every state words and an icon, and Airflow null becomes none', () => {
    for (const s of ['queued', 'running', 'success', 'failed', 'upstream_failed', 'up_for_retry', 'skipped', null]) {
      const look = stateLook(s);
      expect(look.label.length).toBeGreaterThan(0);
      expect(look.icon.length).toBeGreaterThan(0);
      expect(look.tone).not.toBe('other');
    }
    expect(stateKey(null)).toBe('none');
    expect(stateLook(null).label).toBe('no status');
    expect(stateLook('some_new_state')).toMatchObject({ label: 'some new state', tone: 'other' });
  });

  it('counts tasks per state, problems first', () => {
    expect(stateCounts([task('a', 'success'), task('b', 'failed'), task('c', null), task('d', 'success')])).toEqual([
      ['failed', 1],
      ['success', 2],
      ['none', 1],
    ]);
  });

  it('measures a finished task only', () => {
    expect(taskDuration({ startDate: '2026-11-01T01:00:00Z', endDate: '2026-11-01T01:00:02.500Z' })).toBe('2.5 s');
    expect(taskDuration({ startDate: '2026-11-01T01:00:00Z', endDate: '2026-11-01T01:02:05Z' })).toBe('2 min 05 s');
    expect(taskDuration({ startDate: '2026-11-01T01:00:00Z', endDate: null })).toBeNull();
  });
});

describe('a clear in two steps', () => {
  const base = { enabled: true, preview: true, status: 'succeeded', rowCount: 2, fresh: true };

  it('offers the confirmation only for a finished dry run of the current values that listed something', () => {
    expect(clearStage(base)).toBe('confirm');
    expect(clearStage({ ...base, status: 'running' })).toBe('listing');
    expect(clearStage({ ...base, rowCount: 0 })).toBe('nothing');
    expect(clearStage({ ...base, fresh: false })).toBe('stale');
    expect(clearStage({ ...base, status: 'failed' })).toBe('failed');
  });

  it('is off for the clear itself and for blocks without a dry run', () => {
    expect(clearStage({ ...base, preview: false })).toBe('off');
    expect(clearStage({ ...base, enabled: false })).toBe('off');
  });
});

describe('the clear confirmation', () => {
  it('groups the dry run rows by DAG run, finding columns by name', () => {
    const columns = ['dag_id', 'run_id', 'task_id', 'state'].map((name) => ({ name }));
    const rows = [
      ['d', 'r1', 'a', 'failed'],
      ['d', 'r1', 'b', 'upstream_failed'],
      ['d', 'r2', 'a', null],
    ];
    expect(clearGroups(columns, rows, 3)).toEqual([
      { dagId: 'd', runId: 'r1', tasks: [{ taskId: 'a', state: 'failed' }, { taskId: 'b', state: 'upstream_failed' }] },
      { dagId: 'd', runId: 'r2', tasks: [{ taskId: 'a', state: null }] },
    ]);
    expect(clearGroups(columns, rows, 1)).toHaveLength(1);
    expect(clearGroups([{ name: 'key' }], rows, 3)).toEqual([]);
  });

  it('names each map index of a mapped task, and leaves a task that is not mapped (-1) as it is', () => {
    const columns = ['dag_id', 'run_id', 'task_id', 'state', 'map_index'].map((name) => ({ name }));
    const rows = [
      ['d', 'r1', 'transform', 'failed', 0],
      ['d', 'r1', 'transform', 'failed', 2],
      ['d', 'r1', 'publish', 'upstream_failed', -1],
      ['d', 'r1', 'load', 'failed', null],
    ];
    expect(clearGroups(columns, rows, 4)[0]!.tasks.map((t) => t.taskId)).toEqual(['transform [0]', 'transform [2]', 'publish', 'load']);
  });
});

describe('the status line count', () => {
  it('says a trigger dry run is the preview of the run it would start, not a row', () => {
    expect(rowsText('dags trigger', true, 1)).toBe('preview: 1 run would start');
  });
  it('says a clear dry run lists the task instances it would clear', () => {
    expect(rowsText('tasks clear', true, 3)).toBe('preview: 3 task instances would be cleared');
  });
  it('counts rows for everything else, a confirmed trigger included', () => {
    expect(rowsText('dags trigger', false, 1)).toBe('1 row');
    expect(rowsText(null, false, 1200)).toBe('1,200 rows');
  });
});
