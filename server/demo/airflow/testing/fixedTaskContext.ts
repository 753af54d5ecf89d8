/**
 * A sandbox task's context for a test that runs one task body on a warehouse: at a fixed time (no clock is
 * read), without demo systems (S3, dbt Cloud) unless the test gives them, and without lock waits. One shape for
 * every DAG test, so a field the engine's context gains is added here once.
 */
import { Faults } from '../faults';
import type { TaskContext } from '../model';
import type { Warehouse } from '../warehouse';

/** Demo systems a task body under test does not reach: asking for one fails the task with why. */
export const NO_DEMO_SYSTEMS = {
  extracts: () => Promise.reject(new Error('this test gives the task no demo S3')),
  dbtCloud: () => Promise.reject(new Error('this test gives the task no demo dbt Cloud')),
  tableau: () => Promise.reject(new Error('this test gives the task no demo Tableau')),
} as const satisfies Pick<TaskContext, 'extracts' | 'dbtCloud' | 'tableau'>;

export interface FixedTask {
  readonly dagId: string;
  readonly taskId: string;
  readonly businessDate: string;
  /** Warehouse time, 'YYYY-MM-DD HH:MM:SS'. */
  readonly now: string;
  readonly runId?: string;
  readonly tryNumber?: number;
  readonly faults?: Faults;
}

export function fixedTaskContext(w: Warehouse, t: FixedTask): TaskContext {
  const faults = t.faults ?? new Faults();
  return {
    dagId: t.dagId, runId: t.runId ?? `scheduled__${t.businessDate}`, taskId: t.taskId, tryNumber: t.tryNumber ?? 1, maxTries: 2,
    businessDate: t.businessDate, conf: {}, startedAt: t.now, warehouse: w, variables: new Map(), log: () => undefined,
    now: () => t.now, preciseNow: () => t.now.replace(' ', 'T'),
    failIfFaulted: () => Promise.resolve(faults.check(t.dagId, t.taskId)),
    sql: (text, binds) => w.query(text, binds), pause: () => Promise.resolve(), holdOnTimeline: () => 0,
    ...NO_DEMO_SYSTEMS,
  };
}
