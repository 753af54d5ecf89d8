/**
 * Rows a family's training scenario moves aside: source rows that have "not arrived yet" (delivered later by an
 * action, or on deactivate), and a snapshot of the healthy rows a faulty night rewrites, put back exactly on
 * deactivate whether or not the trainee repaired them.
 */
import type { Warehouse } from '../warehouse';

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
