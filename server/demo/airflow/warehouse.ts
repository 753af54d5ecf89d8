/**
 * The sandbox's way into the demo warehouse: statements through the registry's DuckDB connector in write
 * mode (each call one transaction), rows back as plain objects. The sandbox never opens the file itself,
 * so it shares the connector's instance, settings and locking with the runs operators start.
 */
import type { ConnectorRegistry } from '../../connectors/registry';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { Cell } from '../../protocol';

export interface Warehouse {
  query(text: string, binds?: Readonly<Record<string, string | number>>): Promise<Record<string, unknown>[]>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/;

/** Dates and timestamps bind as such; other strings as text. */
function bind(value: string | number): BoundValue {
  if (typeof value === 'number') return Number.isInteger(value) ? { type: 'int', value } : { type: 'number', value };
  if (DATE.test(value)) return { type: 'date', value };
  if (DATETIME.test(value)) return { type: 'datetime', value: value.slice(0, 19) };
  return { type: 'string', value };
}

export function createWarehouse(connectors: ConnectorRegistry, env: string, connection: string, timeoutMs = 60_000): Warehouse {
  return {
    async query(text, binds = {}) {
      const connector = await connectors.get(env, connection);
      let names: string[] = [];
      const rows: Record<string, unknown>[] = [];
      const outcome = await connector.stream(
        { text, binds: Object.fromEntries(Object.entries(binds).map(([k, v]) => [k, bind(v)])), mode: 'write', signal: new AbortController().signal, timeoutMs, maxRows: 100_000 },
        {
          columns: (columns) => {
            names = columns.map((c) => c.name);
          },
          rows: (batch: readonly (readonly Cell[])[]) => {
            for (const r of batch) rows.push(Object.fromEntries(names.map((n, i) => [n, r[i]])));
            return Promise.resolve();
          },
        },
      );
      // A plain write streams no rows, only its rows changed: keep the operator-log shape ("Count").
      if (names.length === 0 && outcome.rowsAffected != null) return [{ Count: outcome.rowsAffected }];
      return rows;
    },
  };
}

/** A warehouse timestamp (the seed's convention: local wall time, no zone) for an instant. */
export function warehouseTime(d: Date = new Date()): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `warehouseTime` to the millisecond, ISO with a `T` (binds as text; a datetime bind keeps whole seconds). */
export function preciseWarehouseTime(d: Date = new Date()): string {
  return `${warehouseTime(d).replace(' ', 'T')}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function localDate(d: Date = new Date()): string {
  return warehouseTime(d).slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
