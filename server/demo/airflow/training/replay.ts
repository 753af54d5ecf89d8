/**
 * What every family's training scenario needs: the night's scheduled run of a DAG replayed for a business date
 * (it meets the injected fault the way the real night would), and a place to hold source rows that have "not
 * arrived yet" so the scenario can deliver them later and restore them on deactivate.
 */
import type { DagRunRef, ScenarioContext } from '../scenarios';
import { addDays, type Warehouse } from '../warehouse';

/** Replays the night's scheduled run of a DAG for the business date: its tries replace the ones the seed recorded. */
export async function replayNight(ctx: ScenarioContext, dagId: string, bd: string): Promise<DagRunRef> {
  const def = await ctx.engine.dag(dagId);
  if (!def) throw new Error(`The sandbox has no DAG ${dagId}.`);
  const rows = await ctx.warehouse.query(
    `SELECT DISTINCT run_id FROM ops.job_runs WHERE dag_id = :dag AND business_date = CAST(:bd AS DATE) AND run_id LIKE 'scheduled__%'`,
    { dag: dagId, bd },
  );
  const [h, m] = (def.schedule ?? '0 1').split(' ').map(Number);
  const runId = rows[0] ? String(rows[0].run_id) : `scheduled__${addDays(bd, -1)}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00+00:00`;
  const logical = `${runId.slice('scheduled__'.length, 'scheduled__'.length + 19)}Z`;
  await ctx.warehouse.query(`DELETE FROM ops.job_runs WHERE dag_id = :dag AND run_id = :run`, { dag: dagId, run: runId });
  await ctx.engine.trigger(def, { conf: {}, logicalDate: logical, logicalDateGiven: true, runType: 'scheduled', runId });
  return { dagId, runId };
}

/**
 * Rows taken out of a table because the source has not delivered them: kept in opsbook_sandbox under a name of
 * the scenario's choosing, put back by `deliver` (once) or `restore` (on deactivate, whatever happened).
 */
export function holdBack(w: Warehouse, table: string, heldAs: string, where: string) {
  const held = `opsbook_sandbox.${heldAs}`;
  return {
    async hold(binds: Readonly<Record<string, string | number>>): Promise<number> {
      await w.query(`CREATE TABLE IF NOT EXISTS ${held} AS SELECT * FROM ${table} LIMIT 0`);
      await w.query(`INSERT INTO ${held} SELECT * FROM ${table} WHERE ${where}`, binds);
      const [n] = await w.query(`SELECT count(*) AS n FROM ${held}`);
      await w.query(`DELETE FROM ${table} WHERE ${where}`, binds);
      return Number(n?.n ?? 0);
    },
    /** Puts the held rows back (a late delivery or the restore). Idempotent: a second call finds nothing held. */
    async deliver(): Promise<number> {
      await w.query(`CREATE TABLE IF NOT EXISTS ${held} AS SELECT * FROM ${table} LIMIT 0`);
      const [n] = await w.query(`SELECT count(*) AS n FROM ${held}`);
      await w.query(`INSERT INTO ${table} SELECT * FROM ${held}`);
      await w.query(`DELETE FROM ${held}`);
      return Number(n?.n ?? 0);
    },
  };
}

/**
 * The healthy rows a scenario's night will rewrite (a report date's facts, aggregate and refresh record), kept so
 * deactivating it puts exactly the baseline back, whether or not the trainee repaired it.
 */
export function snapshot(w: Warehouse, scenarioId: string, parts: readonly { readonly table: string; readonly where: string }[]) {
  const name = (i: number) => `opsbook_sandbox.snap_${scenarioId}_${i}`;
  return {
    async take(binds: Readonly<Record<string, string | number>>): Promise<void> {
      for (const [i, p] of parts.entries()) {
        await w.query(`DROP TABLE IF EXISTS ${name(i)}`);
        await w.query(`CREATE TABLE ${name(i)} AS SELECT * FROM ${p.table} WHERE ${p.where}`, binds);
      }
    },
    async restore(binds: Readonly<Record<string, string | number>>): Promise<void> {
      for (const [i, p] of parts.entries()) {
        await w.query(`DELETE FROM ${p.table} WHERE ${p.where}`, binds);
        await w.query(`INSERT INTO ${p.table} SELECT * FROM ${name(i)}`);
        await w.query(`DROP TABLE ${name(i)}`);
      }
    },
  };
}
