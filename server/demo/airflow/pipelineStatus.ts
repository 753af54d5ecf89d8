/**
 * The load status of a Canonical pipeline in etl_control, kept by its DAG's runs: RUNNING when a run
 * starts, COMPLETED or FAILED when it ends, in the current row (when it is on the run's business date)
 * and in the history row of the business date — what the daily and validation runbooks read.
 */
import type { DagDef, DagRun } from './model';
import { warehouseTime, type Warehouse } from './warehouse';
import { recordOffsetMs, shifted } from './taskContext';

async function setStatus(warehouse: Warehouse, def: DagDef, run: DagRun, status: 'RUNNING' | 'COMPLETED' | 'FAILED'): Promise<void> {
  const binds = { p: def.pipeline!, dag: def.dagId, bd: run.businessDate, status, now: warehouseTime(new Date(Date.now() + recordOffsetMs(run))), start: shifted(run, run.startDate ?? run.runAfter) };
  // A running load has no finish time yet; a finished one finished now.
  const end = status === 'RUNNING' ? 'NULL' : 'CAST(:now AS TIMESTAMP)';
  await warehouse.query(
    `UPDATE etl_control.etl_date_control SET load_status = :status, load_started_at = CAST(:start AS TIMESTAMP),
       load_finished_at = ${end}, updated_at = CAST(:now AS TIMESTAMP), updated_by = :dag
     WHERE pipeline_name = :p AND business_date = CAST(:bd AS DATE)`,
    binds,
  );
  await warehouse.query(
    `UPDATE etl_control.etl_date_control_history SET load_status = :status, load_started_at = CAST(:start AS TIMESTAMP),
       load_finished_at = ${end}, updated_at = CAST(:now AS TIMESTAMP), updated_by = :dag
     WHERE pipeline_name = :p AND business_date = CAST(:bd AS DATE)`,
    binds,
  );
  await warehouse.query(
    `INSERT INTO etl_control.etl_date_control_history
     SELECT :p, :dag, CAST(:bd AS DATE), CAST(:bd AS DATE) - 1, CAST(:bd AS DATE) + 1, :status, CAST(:start AS TIMESTAMP),
            ${end},
            (SELECT max(dates_set_at) FROM etl_control.etl_date_control WHERE business_date = CAST(:bd AS DATE)),
            CAST(:now AS TIMESTAMP), :dag
     WHERE NOT EXISTS (SELECT 1 FROM etl_control.etl_date_control_history WHERE pipeline_name = :p AND business_date = CAST(:bd AS DATE))`,
    binds,
  );
}

export function pipelineStarted(warehouse: Warehouse, def: DagDef, run: DagRun): Promise<void> {
  return setStatus(warehouse, def, run, 'RUNNING');
}

export function pipelineFinished(warehouse: Warehouse, def: DagDef, run: DagRun): Promise<void> {
  return setStatus(warehouse, def, run, run.state === 'success' ? 'COMPLETED' : 'FAILED');
}
