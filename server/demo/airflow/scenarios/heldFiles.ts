/**
 * The data day's extract files in the demo S3, kept aside by an ecommerce scenario before its night rewrites or
 * loses them, and put back exactly on deactivate (the bodies wait in the warehouse, so a restart keeps them).
 */
import type { ScenarioContext } from './types';

export function heldFiles(ctx: Pick<ScenarioContext, 'warehouse' | 'extracts'>, scenarioId: string) {
  const table = `opsbook_sandbox.snap_${scenarioId}_files`;
  return {
    async take(day: string): Promise<void> {
      const objects = await (await ctx.extracts()).dayObjects(day);
      await ctx.warehouse.query(`CREATE SCHEMA IF NOT EXISTS opsbook_sandbox`);
      await ctx.warehouse.query(`CREATE OR REPLACE TABLE ${table} (s3_key VARCHAR, body VARCHAR)`);
      for (const [key, body] of objects) await ctx.warehouse.query(`INSERT INTO ${table} VALUES (:key, :body)`, { key, body });
    },
    /** The day's files as they were; nothing when no snapshot was taken (a scenario never activated). */
    async restore(day: string): Promise<void> {
      const exists = await ctx.warehouse.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'opsbook_sandbox' AND table_name = :t`, { t: `snap_${scenarioId}_files` });
      if (exists.length === 0) return;
      const bucket = await ctx.extracts();
      await bucket.removeDay(day);
      for (const r of await ctx.warehouse.query(`SELECT s3_key, body FROM ${table}`)) await bucket.put(String(r.s3_key), String(r.body ?? ''));
      await ctx.warehouse.query(`DROP TABLE ${table}`);
    },
  };
}
