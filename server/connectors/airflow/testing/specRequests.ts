/**
 * Checks a request the client sent, and the fake's answer to it, against the official OpenAPI document of
 * its API version: the path must be an operation of the spec, every query parameter one the operation
 * declares (with the declared type), the JSON body must conform to the operation's request schema (unknown
 * fields refused where the schema says additionalProperties: false), and a 2xx answer must conform to the
 * response schema. The contract fake records every problem, so a test fails on a request Airflow would
 * refuse or read differently.
 */
import { conform, specDocument } from '../../../demo/airflow/testing/specCheck';

export type SpecFile = 'v1.yaml' | 'v2-rest-api-generated.yaml';

type Obj = Record<string, unknown>;

interface Operation {
  readonly template: string;
  readonly params: readonly Obj[];
  readonly op: Obj;
}

/** The operation for a method and a path as sent (`/api/v1/...` or `/api/v2/...`), or null. */
export function findOperation(file: SpecFile, method: string, path: string): Operation | null {
  const doc = specDocument(file);
  const paths = doc.paths as Record<string, Obj>;
  // v1's paths are relative to its server url /api/v1; v2's carry /api/v2 themselves.
  const rel = file === 'v1.yaml' ? path.replace(/^\/api\/v1/, '') : path;
  const segments = rel.split('/');
  for (const [template, item] of Object.entries(paths)) {
    const t = template.split('/');
    if (t.length !== segments.length) continue;
    if (!t.every((part, i) => (part.startsWith('{') && part.endsWith('}') ? segments[i] !== '' : part === segments[i]))) continue;
    const op = item[method.toLowerCase()] as Obj | undefined;
    if (!op) continue;
    const params = [...((item.parameters as Obj[] | undefined) ?? []), ...((op.parameters as Obj[] | undefined) ?? [])].map((p) => resolve(file, p));
    return { template, params, op };
  }
  return null;
}

function resolve(file: SpecFile, o: Obj): Obj {
  const ref = o.$ref;
  if (typeof ref !== 'string') return o;
  const parts = ref.replace(/^#\//, '').split('/');
  return resolve(file, parts.reduce<Obj>((x, p) => x[p] as Obj, specDocument(file)));
}

function schemaName(content: unknown): string | null {
  const schema = ((content as Obj | undefined)?.['application/json'] as Obj | undefined)?.schema as Obj | undefined;
  const ref = schema?.$ref;
  return typeof ref === 'string' ? ref.split('/').at(-1)! : null;
}

/** Problems of a request; empty when Airflow would accept its shape. */
export function requestProblems(file: SpecFile, method: string, path: string, query: URLSearchParams, body: unknown): string[] {
  const found = findOperation(file, method, path);
  if (!found) return [`${method} ${path}: no such operation in ${file}`];
  const problems: string[] = [];
  const where = `${method} ${found.template}`;
  const declared = new Map(found.params.filter((p) => p.in === 'query').map((p) => [p.name as string, p]));
  for (const key of new Set(query.keys())) {
    const p = declared.get(key);
    if (!p) {
      problems.push(`${where}: query parameter "${key}" is not in the spec`);
      continue;
    }
    const type = scalarType(file, p.schema as Obj | undefined);
    for (const value of query.getAll(key)) {
      if (type === 'integer' && !/^-?\d+$/.test(value)) problems.push(`${where}: ${key}=${value} is not an integer`);
      if (type === 'boolean' && value !== 'true' && value !== 'false') problems.push(`${where}: ${key}=${value} is not a boolean`);
      if (type === 'date-time' && Number.isNaN(new Date(value).getTime())) problems.push(`${where}: ${key}=${value} is not a date-time`);
    }
  }
  const requestBody = found.op.requestBody as Obj | undefined;
  if (requestBody) {
    const name = schemaName(requestBody.content);
    if (body === undefined) {
      if (requestBody.required === true) problems.push(`${where}: the request body is required`);
    } else if (name) {
      problems.push(...conform(file, name, body).map((p) => `${where}: ${p}`));
      const schema = (specDocument(file).components as { schemas: Record<string, Obj> }).schemas[name]!;
      if (schema.additionalProperties === false && body && typeof body === 'object') {
        const known = Object.keys((schema.properties as Obj | undefined) ?? {});
        for (const k of Object.keys(body)) if (!known.includes(k)) problems.push(`${where}: body field "${k}" is not allowed`);
      }
    }
  } else if (body !== undefined) {
    problems.push(`${where}: the operation takes no body`);
  }
  return problems;
}

/** Problems of a 2xx answer against the operation's response schema. */
export function responseProblems(file: SpecFile, method: string, path: string, status: number, body: unknown): string[] {
  const found = findOperation(file, method, path);
  if (!found || status < 200 || status >= 300) return [];
  const response = (found.op.responses as Obj)[String(status)] as Obj | undefined;
  if (!response) return [`${method} ${found.template}: status ${status} is not a documented answer`];
  const name = schemaName(response.content);
  return name ? conform(file, name, body).map((p) => `answer to ${method} ${found.template}: ${p}`) : [];
}

function scalarType(file: SpecFile, schema: Obj | undefined): string | null {
  if (!schema) return null;
  const s = resolve(file, schema);
  if (Array.isArray(s.anyOf)) return (s.anyOf as Obj[]).map((o) => scalarType(file, o)).find((t) => t && t !== 'null') ?? null;
  if (s.type === 'array') return scalarType(file, s.items as Obj | undefined);
  if (s.type === 'string' && (s.format === 'date-time' || s.format === 'datetime')) return 'date-time';
  return typeof s.type === 'string' ? s.type : null;
}
