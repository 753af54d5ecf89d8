/**
 * opsbook.config.yaml (DESIGN.md §6.1), validated once at start. Secrets appear only as ${ENV_VAR}
 * references, expanded here; every mistake is reported with its path in the file and how to fix it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';

const name = z.string().regex(/^[A-Za-z_][\w-]*$/, 'use letters, digits, _ or -');

const duckdbConnection = z.strictObject({
  kind: z.literal('duckdb'),
  /** Database file, relative to the site directory. */
  path: z.string().min(1),
  /** Seed this file as the demo warehouse when absent or stale (the embedded default). */
  demo: z.boolean().default(false),
});

export const connectionSchema = z.discriminatedUnion('kind', [duckdbConnection]);
export type ConnectionConfig = z.infer<typeof connectionSchema>;

const environmentSchema = z.strictObject({
  label: z.string().min(1).optional(),
  production: z.boolean().default(false),
  connections: z.record(name, connectionSchema).refine((c) => Object.keys(c).length > 0, 'define at least one connection'),
});
export type EnvironmentConfig = z.infer<typeof environmentSchema>;

const limitsSchema = z
  .strictObject({
    maxMessageBytes: z.number().int().min(1024).max(1024 * 1024).default(64 * 1024),
    rowsPerRun: z.number().int().positive().default(10_000),
    rowsHardCap: z.number().int().positive().default(100_000),
    statementTimeoutMs: z.number().int().positive().default(60_000),
    runsPerSocket: z.number().int().positive().max(64).default(4),
    socketHighWaterBytes: z.number().int().positive().default(1024 * 1024),
    pingIntervalMs: z.number().int().positive().default(30_000),
  })
  .refine((l) => l.rowsPerRun <= l.rowsHardCap, { message: 'rowsPerRun must not exceed rowsHardCap', path: ['rowsPerRun'] });
export type Limits = z.infer<typeof limitsSchema>;

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      /** Origins allowed to open the socket besides the server's own (e.g. the dev server's). */
      allowedOrigins: z.array(z.url()).default([]),
    })
    .default({ allowedOrigins: [] }),
  defaultEnvironment: name.optional(),
  environments: z.record(name, environmentSchema).refine((e) => Object.keys(e).length > 0, 'define at least one environment'),
  auth: z.strictObject({ mode: z.literal('demo') }).default({ mode: 'demo' }),
  audit: z.strictObject({ store: z.literal('jsonl'), path: z.string().default('.opsbook/audit.jsonl') }).default({ store: 'jsonl', path: '.opsbook/audit.jsonl' }),
  limits: limitsSchema.default(limitsSchema.parse({})),
});
export type OpsbookConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`${file}: ${problems.length} problem${problems.length > 1 ? 's' : ''} in the configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Replaces ${VAR} in every string; a missing variable is a problem reported by its path. */
function expandEnv(value: unknown, at: string[], env: NodeJS.ProcessEnv, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, v: string) => {
      const found = env[v];
      if (found === undefined) problems.push(`${at.join('.')}: environment variable ${v} is not set; export it before starting the server.`);
      return found ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, [...at, String(i)], env, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, [...at, k], env, problems)]));
  }
  return value;
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): OpsbookConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(file, [`not valid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  const problems: string[] = [];
  const expanded = expandEnv(raw, [], env, problems);
  if (problems.length) throw new ConfigError(file, problems);
  const parsed = configSchema.safeParse(expanded);
  if (!parsed.success) {
    throw new ConfigError(
      file,
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`),
    );
  }
  const config = parsed.data;
  if (config.defaultEnvironment && !config.environments[config.defaultEnvironment]) {
    throw new ConfigError(file, [`defaultEnvironment: "${config.defaultEnvironment}" is not one of the environments (${Object.keys(config.environments).join(', ')}).`]);
  }
  return deepFreeze(config);
}

export function loadConfig(siteDir: string, env: NodeJS.ProcessEnv = process.env): { config: OpsbookConfig; file: string } {
  const file = path.resolve(siteDir, env.OPSBOOK_CONFIG ?? 'opsbook.config.yaml');
  if (!fs.existsSync(file)) throw new ConfigError(file, ['file not found; set OPSBOOK_CONFIG to its path or restore opsbook.config.yaml.']);
  return { config: parseConfig(fs.readFileSync(file, 'utf8'), path.relative(siteDir, file) || file, env), file };
}

export function defaultEnvironmentOf(config: OpsbookConfig): string {
  return config.defaultEnvironment ?? Object.keys(config.environments)[0]!;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
