/**
 * Checks a response body against a schema of the official Airflow specs (required fields, types, enums,
 * nullability), read at test time from the shared reference folder beside the repository. The specs are
 * not copied into the project; where the folder is absent, the contract tests skip and say why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** OPSBOOK_AIRFLOW_SPECS, else the shared folder beside the repository, else this workplace's shared folder. */
const CANDIDATES = [process.env.OPSBOOK_AIRFLOW_SPECS, path.resolve(__dirname, '../../../../../shared/reference/airflow'), '/work/shared/reference/airflow'].filter(
  (d): d is string => Boolean(d),
);
const DIR = CANDIDATES.find((d) => fs.existsSync(path.join(d, 'v1.yaml'))) ?? CANDIDATES[0]!;
export const SPECS_PRESENT = fs.existsSync(path.join(DIR, 'v1.yaml')) && fs.existsSync(path.join(DIR, 'v2-rest-api-generated.yaml'));
export const SPECS_DIR = DIR;

type Schema = Record<string, unknown>;
const cache = new Map<string, Schema>();

/** The parsed spec document, for checks that need its paths (the connector's contract fake). */
export function specDocument(file: Parameters<typeof spec>[0]): Schema {
  return spec(file);
}

function spec(file: 'v1.yaml' | 'v2-rest-api-generated.yaml' | 'v2-simple-auth-manager-generated.yaml'): Schema {
  let s = cache.get(file);
  if (!s) {
    s = parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Schema;
    cache.set(file, s);
  }
  return s;
}

/** Problems of `value` against components/schemas/<name> of the spec; empty when it conforms. */
export function conform(file: Parameters<typeof spec>[0], name: string, value: unknown): string[] {
  const root = spec(file);
  const problems: string[] = [];
  const resolve = (s: Schema): Schema => {
    const ref = s.$ref;
    if (typeof ref !== 'string') return s;
    const parts = ref.replace(/^#\//, '').split('/');
    return resolve(parts.reduce<Record<string, unknown>>((o, p) => o[p] as Record<string, unknown>, root));
  };
  const check = (raw: Schema, v: unknown, at: string): boolean => {
    const s = resolve(raw);
    const before = problems.length;
    if (v === null) {
      if (s.nullable === true || s.type === 'null' || (Array.isArray(s.enum) && s.enum.includes(null))) return true;
      if (Array.isArray(s.anyOf)) return (s.anyOf as Schema[]).some((o) => check(o, v, at) || (problems.splice(before), false));
      if (!s.type && !s.anyOf && !s.allOf && !s.enum && !s.$ref) return true;
      problems.push(`${at}: null is not allowed`);
      return false;
    }
    if (Array.isArray(s.allOf)) for (const o of s.allOf as Schema[]) check(o, v, at);
    for (const key of ['anyOf', 'oneOf'] as const) {
      if (Array.isArray(s[key])) {
        const ok = (s[key] as Schema[]).some((o) => {
          const mark = problems.length;
          const good = check(o, v, at) && problems.length === mark;
          problems.splice(mark);
          return good;
        });
        if (!ok) problems.push(`${at}: matches none of ${key}`);
      }
    }
    if (Array.isArray(s.enum) && !s.enum.includes(v)) problems.push(`${at}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
    const type = s.type;
    const typeOk: Record<string, (x: unknown) => boolean> = {
      string: (x) => typeof x === 'string', integer: (x) => Number.isInteger(x), number: (x) => typeof x === 'number',
      boolean: (x) => typeof x === 'boolean', array: Array.isArray, object: (x) => typeof x === 'object' && !Array.isArray(x), null: (x) => x === null,
    };
    if (typeof type === 'string' && typeOk[type] && !typeOk[type]!(v)) problems.push(`${at}: expected ${type}, got ${JSON.stringify(v)?.slice(0, 40)}`);
    if (typeof type === 'string' && type === 'string' && s.format === 'date-time' && typeof v === 'string' && Number.isNaN(new Date(v).getTime())) problems.push(`${at}: not a date-time`);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      for (const req of (s.required as string[] | undefined) ?? []) if (!(req in o)) problems.push(`${at}.${req}: required`);
      const props = (s.properties as Record<string, Schema> | undefined) ?? {};
      for (const [k, ps] of Object.entries(props)) if (k in o && o[k] !== undefined) check(ps, o[k], `${at}.${k}`);
    }
    if (Array.isArray(v) && s.items) v.forEach((item, i) => check(s.items as Schema, item, `${at}[${i}]`));
    // Tuples (OpenAPI 3.1 prefixItems), e.g. a clear's [task_id, map_index].
    if (Array.isArray(v) && Array.isArray(s.prefixItems)) (s.prefixItems as Schema[]).forEach((ps, i) => i < v.length && check(ps, v[i], `${at}[${i}]`));
    if (Array.isArray(v) && typeof s.minItems === 'number' && v.length < s.minItems) problems.push(`${at}: fewer than ${s.minItems} items`);
    if (Array.isArray(v) && typeof s.maxItems === 'number' && v.length > s.maxItems) problems.push(`${at}: more than ${s.maxItems} items`);
    return problems.length === before;
  };
  check({ $ref: `#/components/schemas/${name}` }, value, name);
  return problems;
}
