/**
 * The request body of the VizQL Data Service's Query Data Source (POST /api/v1/vizql-data-service/query-datasource),
 * as Tableau publishes it (OpenAPI schema of the VizQL Data Service): `datasource {datasourceLuid}`, `query {fields}`
 * — each field a caption, with a function, a calculation or neither, an optional alias and sort — and optional
 * `options {returnFormat, debug, disaggregate}`. Shared by the contract fake and the demo Tableau, which both refuse
 * what Tableau would refuse (400) instead of guessing.
 */
import * as z from 'zod';
import { VDS_FUNCTIONS } from '../../../../plugins/remark-runbook/syntax/systems/tableau';

const functionSchema = z.enum([...VDS_FUNCTIONS, 'COLLECT', 'AGG', 'NONE', 'UNSPECIFIED']);

const fieldBase = {
  fieldCaption: z.string().min(1),
  fieldAlias: z.string().min(1).optional(),
  maxDecimalPlaces: z.number().int().optional(),
  sortDirection: z.enum(['ASC', 'DESC']).optional(),
  sortPriority: z.number().int().optional(),
};

export const vdsFieldSchema = z.union([
  z.strictObject(fieldBase),
  z.strictObject({ ...fieldBase, function: functionSchema }),
  z.strictObject({ ...fieldBase, calculation: z.string().min(1) }),
]);

export const vdsQueryRequestSchema = z.object({
  datasource: z.object({
    datasourceLuid: z.string().min(1),
    connections: z.array(z.object({ connectionLuid: z.string().optional(), connectionUsername: z.string(), connectionPassword: z.string() })).optional(),
  }),
  query: z.object({ fields: z.array(vdsFieldSchema).min(1), filters: z.array(z.unknown()).optional() }),
  options: z.object({ returnFormat: z.enum(['OBJECTS', 'ARRAYS']).optional(), debug: z.boolean().optional(), disaggregate: z.boolean().optional() }).optional(),
});

export type VdsQueryRequest = z.infer<typeof vdsQueryRequestSchema>;
export type VdsRequestField = z.infer<typeof vdsFieldSchema>;

/** The key a field's values come back under: its alias, else `FUNCTION(caption)`, else the caption. */
export const answerKey = (f: VdsRequestField): string => f.fieldAlias ?? ('function' in f && f.function ? `${f.function}(${f.fieldCaption})` : f.fieldCaption);

/** The body parsed, or the VizQL Data Service's error shape for a request it cannot read. */
export function readVdsRequest(body: unknown): { readonly ok: true; readonly request: VdsQueryRequest } | { readonly ok: false; readonly error: { errorCode: string; message: string; datetime: string } } {
  const parsed = vdsQueryRequestSchema.safeParse(body);
  if (parsed.success) return { ok: true, request: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: { errorCode: '400000', message: `Invalid request: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'unreadable body'}`, datetime: new Date().toISOString() } };
}
