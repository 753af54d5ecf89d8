/**
 * The shape every investor training scenario shares: for yesterday's report date, keep the healthy rows the
 * faulty night rewrites, inject the fault, replay the night's run so it meets it (or leave the night as it
 * already ran), and on deactivate undo what the snapshot does not cover and put those rows back exactly.
 * A scenario states only its fault; this helper is the rest.
 */
import type { Scenario, ScenarioAction, ScenarioContext } from './types';
import { addDays } from '../warehouse';
import { snapshot } from './heldRows';
import { replayNight } from './replay';

export interface ReportDateFault {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly runbook: string;
  readonly actions?: readonly ScenarioAction[];
  /** The report date's healthy rows the faulty night rewrites (`:rd` is the report date). */
  readonly rows: readonly { readonly table: string; readonly where: string }[];
  /** The DAG whose night replays and meets the fault; null when the fault is the night as it already ran. */
  readonly dagId: string | null;
  /**
   * Injects the fault for report date `rd`. Returns what the night meets, the end of the operator's note:
   * after "Run … is replaying report date <rd>" for a replay, or the whole sentence after "Report date <rd>: ".
   */
  inject(ctx: ScenarioContext, rd: string): Promise<string>;
  act?(action: string, ctx: ScenarioContext, rd: string): Promise<string>;
  /** Undoes what the snapshot does not cover (a fault set, rows held back), before the rows are restored. */
  undo?(ctx: ScenarioContext, rd: string): Promise<void>;
}

export function reportDateScenario(f: ReportDateFault): Scenario {
  const reportDate = (bd: string) => addDays(bd, -1);
  return {
    id: f.id, title: f.title, summary: f.summary, runbook: f.runbook, ...(f.actions ? { actions: f.actions } : {}),
    async activate(ctx, bd) {
      const rd = reportDate(bd);
      await snapshot(ctx.warehouse, f.id, f.rows).take({ rd });
      const meets = await f.inject(ctx, rd);
      if (!f.dagId) return { note: `Report date ${rd}: ${meets}`, dagRun: null };
      const dagRun = await replayNight(ctx, f.dagId, bd);
      return { note: `Run ${dagRun.runId} of ${f.dagId} is replaying report date ${rd}${meets}`, dagRun };
    },
    ...(f.act
      ? {
          act: (action: string, ctx: ScenarioContext, bd: string) => {
            if (!(f.actions ?? []).some((a) => a.id === action)) throw new Error(`Unknown action ${action}.`);
            return f.act!(action, ctx, reportDate(bd));
          },
        }
      : {}),
    async deactivate(ctx, bd) {
      const rd = reportDate(bd);
      await f.undo?.(ctx, rd);
      await snapshot(ctx.warehouse, f.id, f.rows).restore({ rd });
    },
  };
}
