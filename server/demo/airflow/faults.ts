/**
 * Training faults as the tasks meet them: a task that fails (a number of tries, or until an operator
 * clears it), a dbt model or a Tableau extract refresh that fails wherever it is started from, and extract files that have not been delivered. Files are facts of the warehouse
 * (ldz.file_manifest), so the runbook's SQL and the land task agree on whether a file is there.
 */
import { TaskFailure } from './model';
import type { Warehouse } from './warehouse';

export interface TaskFault {
  readonly exception: string;
  readonly message: string;
  /** Tries left to fail; Infinity = until the task is cleared. */
  remaining: number;
  readonly untilCleared: boolean;
}

export class Faults {
  private readonly tasks = new Map<string, TaskFault>();
  /** dbt models that fail wherever they are built from (the demo dbt Cloud's runs), until the training fault is cleared. */
  private readonly models = new Map<string, { readonly message: string; readonly whileTask: string | null }>();
  /** Tableau data sources whose extract refresh fails in the demo Tableau, with Tableau's reason, until removed. */
  private readonly tableau = new Map<string, string>();

  /** The demo Tableau's refresh of this data source's extract fails with `message` until `removeTableau`. */
  setTableau(datasource: string, message: string): void {
    this.tableau.set(datasource, message);
  }

  removeTableau(datasource: string): void {
    this.tableau.delete(datasource);
  }

  /** Why a refresh of the data source's extract fails now, or null. */
  tableauFault(datasource: string): string | null {
    return this.tableau.get(datasource) ?? null;
  }

  /**
   * A dbt model that errors with `message` on every build until `removeModel` (the scenario is cleared) or, with
   * `whileTask`, only while that task's fault still has tries to fail: a lock that tonight's run met is gone once
   * the night's tries are spent, for dbt Cloud as for the task.
   */
  setModel(model: string, message: string, whileTask?: { readonly dagId: string; readonly taskId: string }): void {
    this.models.set(model, { message, whileTask: whileTask ? `${whileTask.dagId}.${whileTask.taskId}` : null });
  }

  removeModel(model: string): void {
    this.models.delete(model);
  }

  /** The error a build of the model meets now, or null. */
  modelFault(model: string): string | null {
    const fault = this.models.get(model);
    if (!fault) return null;
    if (fault.whileTask === null) return fault.message;
    return (this.tasks.get(fault.whileTask)?.remaining ?? 0) > 0 ? fault.message : null;
  }

  set(dagId: string, taskId: string, fault: Omit<TaskFault, 'remaining'> & { readonly tries?: number }): void {
    this.tasks.set(`${dagId}.${taskId}`, { ...fault, remaining: fault.untilCleared ? Number.POSITIVE_INFINITY : (fault.tries ?? 1) });
  }

  remove(dagId: string, taskId: string): void {
    this.tasks.delete(`${dagId}.${taskId}`);
  }

  /** Throws the fault's failure if one is armed for the task, using up one try. */
  check(dagId: string, taskId: string): void {
    const fault = this.tasks.get(`${dagId}.${taskId}`);
    if (!fault || fault.remaining <= 0) return;
    fault.remaining -= 1;
    throw new TaskFailure(fault.exception, fault.message);
  }

  /** An operator cleared the task: a fault that lasts until then is gone. */
  cleared(dagId: string, taskId: string): void {
    const fault = this.tasks.get(`${dagId}.${taskId}`);
    if (fault?.untilCleared) this.tasks.delete(`${dagId}.${taskId}`);
  }

  clear(): void {
    this.tasks.clear();
    this.models.clear();
    this.tableau.clear();
  }
}

/** An extract file is delivered when the manifest records its arrival. */
export async function isFileDelivered(warehouse: Warehouse, source: string, businessDate: string): Promise<boolean> {
  const rows = await warehouse.query(
    `SELECT count(*) AS n FROM ldz.file_manifest WHERE source_table = :source AND business_date = CAST(:bd AS DATE) AND arrived_at IS NOT NULL`,
    { source, bd: businessDate },
  );
  return Number(rows[0]?.n ?? 0) > 0;
}
