/**
 * The shapes of the Statement Execution API 2.0 (docs.databricks.com/api/workspace/statementexecution)
 * that Opsbook uses: INLINE disposition, JSON_ARRAY format. Answers are parsed with these schemas so a
 * proxy or another server answering in Databricks' place is reported as such, not as an empty result.
 */
import * as z from 'zod';

export const STATES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED', 'CLOSED'] as const;
export type StatementState = (typeof STATES)[number];

/** One named parameter marker's value: always text, typed by `type` (STRING when absent). */
export interface StatementParameter {
  readonly name: string;
  readonly value?: string;
  readonly type?: string;
}

export interface ExecuteStatementRequest {
  readonly statement: string;
  readonly warehouse_id: string;
  readonly catalog?: string;
  readonly schema?: string;
  readonly parameters?: readonly StatementParameter[];
  readonly row_limit?: number;
  readonly disposition: 'INLINE';
  readonly format: 'JSON_ARRAY';
  /** "0s", or "5s" to "50s". */
  readonly wait_timeout: string;
  readonly on_wait_timeout: 'CONTINUE' | 'CANCEL';
}

export const serviceErrorSchema = z.looseObject({ error_code: z.string().optional(), message: z.string().optional() });

export const columnSchema = z.looseObject({
  name: z.string(),
  position: z.number().int().optional(),
  type_name: z.string().optional(),
  type_text: z.string().optional(),
  type_precision: z.number().int().optional(),
  type_scale: z.number().int().optional(),
});
export type WireColumn = z.infer<typeof columnSchema>;

export const resultDataSchema = z.looseObject({
  chunk_index: z.number().int().optional(),
  row_offset: z.number().int().optional(),
  row_count: z.number().int().optional(),
  data_array: z.array(z.array(z.string().nullable())).optional(),
  next_chunk_index: z.number().int().optional(),
  next_chunk_internal_link: z.string().optional(),
});
export type ResultData = z.infer<typeof resultDataSchema>;

export const manifestSchema = z.looseObject({
  format: z.string().optional(),
  schema: z.looseObject({ column_count: z.number().int().optional(), columns: z.array(columnSchema).optional() }).optional(),
  total_chunk_count: z.number().int().optional(),
  total_row_count: z.number().int().optional(),
  truncated: z.boolean().optional(),
});

export const statementResponseSchema = z.looseObject({
  statement_id: z.string().min(1),
  status: z.looseObject({
    state: z.enum(STATES),
    error: serviceErrorSchema.optional(),
    sql_state: z.string().optional(),
  }),
  manifest: manifestSchema.optional(),
  result: resultDataSchema.optional(),
});
export type StatementResponse = z.infer<typeof statementResponseSchema>;

export function isTerminal(state: StatementState): boolean {
  return state !== 'PENDING' && state !== 'RUNNING';
}
