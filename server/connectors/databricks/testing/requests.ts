/**
 * What the contract fake accepts, written from the Statement Execution API 2.0 reference
 * (docs.databricks.com/api/workspace/statementexecution/executestatement): every request the client
 * sends is checked against it, and anything else is refused the way Databricks refuses it (HTTP 400
 * INVALID_PARAMETER_VALUE), so a client that drifts from the contract fails its tests.
 */
import * as z from 'zod';

/** Parameter types a named marker may carry (Databricks SQL data types), and DuckDB's equivalent. */
const SIMPLE_TYPES: Readonly<Record<string, string>> = {
  STRING: 'VARCHAR',
  BIGINT: 'BIGINT',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  SMALLINT: 'SMALLINT',
  TINYINT: 'TINYINT',
  DOUBLE: 'DOUBLE',
  FLOAT: 'FLOAT',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMPTZ',
  TIMESTAMP_NTZ: 'TIMESTAMP',
};

/** DuckDB's type for a Databricks parameter type, or null when Databricks would not know the type. */
export function duckTypeOf(type: string | undefined): string | null {
  const t = (type ?? 'STRING').trim().toUpperCase();
  const decimal = /^DECIMAL\((\d{1,2})\s*,\s*(\d{1,2})\)$/.exec(t);
  if (decimal) return Number(decimal[2]) <= Number(decimal[1]) && Number(decimal[1]) <= 38 ? `DECIMAL(${decimal[1]},${decimal[2]})` : null;
  return SIMPLE_TYPES[t] ?? null;
}

const waitTimeout = z
  .string()
  .regex(/^\d+s$/, 'wait_timeout must be given in seconds, e.g. "10s"')
  .refine((s) => {
    const n = Number(s.slice(0, -1));
    return n === 0 || (n >= 5 && n <= 50);
  }, 'wait_timeout must be 0s or between 5s and 50s');

export const parameterSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a parameter name is an unqualified identifier'),
    value: z.string().nullable().optional(),
    type: z.string().optional(),
  })
  .refine((p) => duckTypeOf(p.type) !== null, { message: 'unsupported parameter type', path: ['type'] });

export const executeSchema = z
  .strictObject({
    statement: z.string().min(1, 'statement is required'),
    warehouse_id: z.string().min(1, 'warehouse_id is required'),
    catalog: z.string().optional(),
    schema: z.string().optional(),
    parameters: z.array(parameterSchema).optional(),
    row_limit: z.number().int().positive().optional(),
    byte_limit: z.number().int().positive().optional(),
    disposition: z.enum(['INLINE', 'EXTERNAL_LINKS']).optional(),
    format: z.enum(['JSON_ARRAY', 'ARROW_STREAM', 'CSV']).optional(),
    wait_timeout: waitTimeout.optional(),
    on_wait_timeout: z.enum(['CONTINUE', 'CANCEL']).optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.disposition ?? 'INLINE') === 'INLINE' && (b.format ?? 'JSON_ARRAY') !== 'JSON_ARRAY') {
      ctx.addIssue({ code: 'custom', path: ['format'], message: 'INLINE disposition supports only JSON_ARRAY format' });
    }
    if (b.disposition === 'EXTERNAL_LINKS') ctx.addIssue({ code: 'custom', path: ['disposition'], message: 'the contract fake serves INLINE results only' });
    const names = (b.parameters ?? []).map((p) => p.name);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['parameters'], message: 'parameter names must be unique' });
  });

export type ExecuteBody = z.infer<typeof executeSchema>;

/** POST .../cancel takes no fields. */
export const cancelSchema = z.strictObject({});
