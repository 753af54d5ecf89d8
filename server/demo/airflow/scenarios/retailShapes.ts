/**
 * The two ways a retail night goes wrong more than once in the training scenarios, each written once:
 * an ingestion task that fails both of its tries (what it did not reach never lands in bronze), and a bronze
 * table that landed part of tonight's batch twice (dbt's staging uniqueness test fails). Scenarios differ in
 * the task, the table and the words; the injection, the replayed night and the exact restore are these.
 */
import type { Scenario } from './types';
import { snapshot } from './heldRows';
import { replayNight } from './replay';
import { BATCH_BRONZE, DBT_REBUILD, TONIGHT, tonight, type RowSet } from './retailRows';

interface ScenarioWords {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly runbook: string;
}

export interface IngestionFailureSpec extends ScenarioWords {
  /** The ingestion task that fails both tries. */
  readonly taskId: string;
  readonly exception: string;
  readonly message: string;
  /** Tonight's rows the failed task would have landed (the night's run is the batch's only load). */
  readonly notLanded: readonly RowSet[];
}

export function ingestionFailureScenario(spec: IngestionFailureSpec): Scenario {
  const dagId = 'data_ingestion_bronze';
  return {
    id: spec.id,
    title: spec.title,
    summary: spec.summary,
    runbook: spec.runbook,
    async activate(ctx, bd) {
      await snapshot(ctx.warehouse, spec.id, BATCH_BRONZE).take({ bd });
      for (const rows of spec.notLanded) await ctx.warehouse.query(`DELETE FROM ${rows.table} WHERE ${rows.where}`, { bd });
      // Two tries: the first and its one retry, as the nightly DAGs are configured.
      ctx.faults.set(dagId, spec.taskId, { exception: spec.exception, message: spec.message, untilCleared: false, tries: 2 });
      const dagRun = await replayNight(ctx, dagId, bd);
      return { note: `Run ${dagRun.runId} of ${dagId} is replaying batch ${bd}; ${spec.taskId} will fail twice.`, dagRun };
    },
    async deactivate(ctx, bd) {
      ctx.faults.remove(dagId, spec.taskId);
      await snapshot(ctx.warehouse, spec.id, BATCH_BRONZE).restore({ bd });
    },
  };
}

export interface LandedTwiceSpec extends ScenarioWords {
  /** The bronze table that holds the second copy. */
  readonly table: string;
  /** The file name the second copy landed under. */
  readonly file: string;
  /** How long after the first copy the second was loaded. */
  readonly minutesLater: number;
  /** Only the batch's first file came again (a resent file), rather than the whole batch (an overlapping retry). */
  readonly firstFileOnly: boolean;
  /** The staging test that fails on the duplicates. */
  readonly failingTest: string;
  /**
   * The recovery rewrites the table's batch (a re-run of its ingestion), so deactivating puts tonight's rows back
   * exactly; otherwise only the second copy is taken out.
   */
  readonly recoveryRewritesBatch: boolean;
}

export function landedTwiceScenario(spec: LandedTwiceSpec): Scenario {
  const dagId = 'data_transformation_dbt';
  const kept = spec.recoveryRewritesBatch ? [...DBT_REBUILD, tonight(spec.table)] : DBT_REBUILD;
  const copied = spec.firstFileOnly ? `${TONIGHT} AND _source_file = (SELECT min(_source_file) FROM ${spec.table} WHERE ${TONIGHT})` : TONIGHT;
  return {
    id: spec.id,
    title: spec.title,
    summary: spec.summary,
    runbook: spec.runbook,
    async activate(ctx, bd) {
      await snapshot(ctx.warehouse, spec.id, kept).take({ bd });
      await ctx.warehouse.query(
        `INSERT INTO ${spec.table}
         SELECT * REPLACE (CAST(:file AS VARCHAR) AS _source_file, _loaded_at + INTERVAL ${spec.minutesLater} MINUTE AS _loaded_at) FROM ${spec.table}
         WHERE ${copied}`,
        { bd, file: spec.file },
      );
      const dagRun = await replayNight(ctx, dagId, bd);
      return { note: `Run ${dagRun.runId} of ${dagId} is replaying batch ${bd}; dbt_test_staging will fail on ${spec.failingTest}.`, dagRun };
    },
    async deactivate(ctx, bd) {
      await ctx.warehouse.query(`DELETE FROM ${spec.table} WHERE _source_file = :file`, { file: spec.file });
      await snapshot(ctx.warehouse, spec.id, kept).restore({ bd });
    },
  };
}
