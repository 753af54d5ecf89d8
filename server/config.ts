/**
 * opsbook.config.yaml (DESIGN.md §6.1), validated once at start. Secrets appear only as ${ENV_VAR}
 * references, expanded here; every mistake is reported with its path in the file and how to fix it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { postgresConnectionSchema } from './connectors/postgres/config';
import { oracleConnectionSchema } from './connectors/oracle/config';
import { sqlserverConnectionSchema } from './connectors/sqlserver/config';
import { snowflakeConnectionSchema } from './connectors/snowflake/config';
import { literalSecretProblems } from './alerts/secrets';
import { databricksConnectionSchema } from './connectors/databricks/config';
import { s3ConnectionSchema } from './connectors/systems/s3/config';
import { dbtCloudConnectionSchema } from './connectors/systems/dbtCloud/config';
import { pagerdutyConnectionSchema } from './connectors/systems/pagerduty/config';
import { tableauConnectionSchema } from './connectors/systems/tableau/config';
import { slackConnectionSchema } from './connectors/systems/slack/config';
import { ALERTS_DEFAULT, alertsSchema } from './alerts/config';
import { cronFields, pgBossCronProblem, schedulesSchema } from './schedules/config';

const name = z.string().regex(/^[A-Za-z_][\w-]*$/, 'use letters, digits, _ or -');

const duckdbConnection = z.strictObject({
  kind: z.literal('duckdb'),
  /** Database file, relative to the site directory. */
  path: z.string().min(1),
  /** Seed this file as the demo warehouse when absent or stale (the embedded default). */
  demo: z.boolean().default(false),
});

/**
 * An Airflow webserver (Airflow 2: api v1, basic auth; Airflow 3: api v2, a token from /auth/token), or
 * `sandbox: true` for the embedded Airflow-compatible sandbox at this server's own /demo/airflow.
 */
const airflowConnection = z
  .strictObject({
    kind: z.literal('airflow'),
    sandbox: z.boolean().default(false),
    url: z.url().optional(),
    api: z.enum(['v1', 'v2']).optional(),
    auth: z.strictObject({ username: z.string().min(1), password: z.string() }).optional(),
    /** `ca`: PEM text or a path to a PEM file. */
    tls: z.strictObject({ ca: z.string().min(1).optional(), rejectUnauthorized: z.boolean().optional() }).optional(),
    timeoutMs: z.number().int().positive().max(600_000).optional(),
    /** How often a followed DAG run is polled. */
    pollMs: z.number().int().min(50).max(60_000).optional(),
    /** Sandbox only: the SQL connection of the same environment its tasks run on (default warehouse). */
    warehouse: name.optional(),
    /** Sandbox only: multiplies task durations (0.05 in tests, 1 for the demo). */
    timeScale: z.number().positive().max(100).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.sandbox) {
      for (const key of ['url', 'auth', 'tls'] as const) {
        if (c[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `a sandbox connection takes no ${key}: the sandbox is this server's own /demo/airflow` });
      }
      return;
    }
    if (c.warehouse !== undefined || c.timeScale !== undefined) ctx.addIssue({ code: 'custom', message: 'warehouse and timeScale apply to sandbox: true connections only' });
    if (!c.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'set url to the Airflow webserver (e.g. https://airflow.internal), or sandbox: true for the demo sandbox' });
    if (!c.api) ctx.addIssue({ code: 'custom', path: ['api'], message: 'set api: v1 for Airflow 2 (/api/v1) or api: v2 for Airflow 3 (/api/v2)' });
    if (!c.auth) ctx.addIssue({ code: 'custom', path: ['auth'], message: 'set auth: {username: "${AF_USER}", password: "${AF_PASSWORD}"}' });
  });

export const connectionSchema = z.discriminatedUnion('kind', [duckdbConnection, postgresConnectionSchema, oracleConnectionSchema, sqlserverConnectionSchema, snowflakeConnectionSchema, databricksConnectionSchema, airflowConnection, s3ConnectionSchema, dbtCloudConnectionSchema, pagerdutyConnectionSchema, tableauConnectionSchema, slackConnectionSchema]);
export type ConnectionConfig = z.infer<typeof connectionSchema>;

const environmentSchema = z.strictObject({
  label: z.string().min(1).optional(),
  production: z.boolean().default(false),
  /**
   * How many different members of the step's approver role must approve a write before it may run here
   * (four eyes become six with 2). Reads in escalation steps and non-production environments need one.
   */
  requiredApprovals: z.number().int().min(1).max(5).optional(),
  connections: z.record(name, connectionSchema).refine((c) => Object.keys(c).length > 0, 'define at least one connection'),
});
export type EnvironmentConfig = z.infer<typeof environmentSchema>;

const roleName = z.enum(['service-team', 'approver', 'admin']);
/** Maps an identity provider's groups (or claim values) to Opsbook roles. */
const roleMap = z.record(z.string(), z.array(roleName));

/** The members of one approver role, and where its new requests are announced. */
const approverRoleSchema = z.strictObject({
  users: z.array(z.string().min(1)).default([]),
  groups: z.array(z.string().min(1)).default([]),
  /** Alert channel names (alerts.channels); the approvals Slack/webhook of `notifications` are used besides. */
  channels: z.array(name).default([]),
});
export type ApproverRoleConfig = z.infer<typeof approverRoleSchema>;

const authSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('demo') }),
  z.strictObject({
    mode: z.literal('proxy'),
    /** Only requests from these addresses (CIDRs) may assert an identity through headers. */
    trustedProxies: z.array(z.string().regex(/^[0-9a-fA-F.:]+\/\d{1,3}$/, 'write a CIDR such as 10.0.0.0/8 or 127.0.0.1/32')).min(1),
    userHeader: z.string().default('x-forwarded-user'),
    nameHeader: z.string().default('x-forwarded-preferred-username'),
    groupsHeader: z.string().default('x-forwarded-groups'),
    roleMap,
  }),
  z.strictObject({
    mode: z.literal('oidc'),
    issuer: z.url(),
    audience: z.string().min(1),
    /** Defaults to <issuer>/.well-known/jwks.json */
    jwksUrl: z.url().optional(),
    rolesClaim: z.string().default('groups'),
    nameClaim: z.string().default('name'),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
    roleMap,
  }),
]);
export type AuthConfig = z.infer<typeof authSchema>;

const limitsSchema = z
  .strictObject({
    maxMessageBytes: z.number().int().min(1024).max(1024 * 1024).default(64 * 1024),
    rowsPerRun: z.number().int().positive().default(10_000),
    rowsHardCap: z.number().int().positive().default(100_000),
    statementTimeoutMs: z.number().int().positive().default(60_000),
    runsPerSocket: z.number().int().positive().max(64).default(4),
    /** Across all of one user's sockets and tabs. */
    runsPerUser: z.number().int().positive().max(256).default(8),
    socketHighWaterBytes: z.number().int().positive().default(1024 * 1024),
    pingIntervalMs: z.number().int().positive().default(30_000),
    /**
     * A run whose socket dropped (not closed by the page) keeps its place this long for the page to reconnect
     * and resume; then it is cancelled and recorded. Its recent output is kept for the resume, up to replayBytes.
     */
    resumeGraceMs: z.number().int().min(0).max(3_600_000).default(30_000),
    replayBytes: z.number().int().min(64 * 1024).max(256 * 1024 * 1024).default(8 * 1024 * 1024),
    /** Inbound budget of one socket: messages and bytes per window (a page sends a few runs a second at most). */
    socketWindowSeconds: z.number().int().positive().max(3600).default(10),
    socketMessagesPerWindow: z.number().int().positive().default(100),
    socketBytesPerWindow: z.number().int().min(1024).default(1024 * 1024),
    /** Messages refused for being over budget, in one window, before the socket is closed (1008). */
    socketRefusalsBeforeClose: z.number().int().positive().default(20),
    /** HTTP API requests per window, per user (per address before sign-in); /api/health is exempt. */
    httpWindowSeconds: z.number().int().positive().max(3600).default(60),
    httpRequestsPerWindow: z.number().int().positive().default(300),
    /** Expensive routes (audit CSV export, approval requests) have their own, tighter budget. */
    httpExpensivePerWindow: z.number().int().positive().default(10),
  })
  .refine((l) => l.rowsPerRun <= l.rowsHardCap, { message: 'rowsPerRun must not exceed rowsHardCap', path: ['rowsPerRun'] });
export type Limits = z.infer<typeof limitsSchema>;

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      /**
       * The origins operators reach this server at (e.g. https://opsbook.internal). The socket and every
       * state-changing request must come from one of them or allowedOrigins; the request's own Host header is
       * never trusted (DNS rebinding). Default: http://localhost:<port> and http://127.0.0.1:<port> of the
       * port the server listens on, for the demo.
       */
      publicOrigins: z.array(z.url()).optional(),
      /** Origins allowed besides the public ones (e.g. the dev server's). */
      allowedOrigins: z.array(z.url()).default([]),
      /**
       * Signs the CSRF tokens (at least 32 characters; write "${OPSBOOK_CSRF_SECRET}"). Default: a random
       * secret generated once and kept in the state directory (.opsbook/csrf-secret).
       */
      csrfSecret: z.string().min(32, 'use at least 32 random characters').optional(),
    })
    .default({ allowedOrigins: [] }),
  defaultEnvironment: name.optional(),
  environments: z.record(name, environmentSchema).refine((e) => Object.keys(e).length > 0, 'define at least one environment'),
  auth: authSchema.default({ mode: 'demo' }),
  /** Where audit records and approvals live: an embedded DuckDB file, or PostgreSQL shared by several servers. */
  audit: z
    .discriminatedUnion('store', [
      z.strictObject({ store: z.literal('duckdb'), path: z.string().default('.opsbook/state.duckdb') }),
      z.strictObject({ store: z.literal('postgres'), url: z.string().min(1), schema: name.default('opsbook') }),
    ])
    .default({ store: 'duckdb', path: '.opsbook/state.duckdb' }),
  approvals: z
    .strictObject({
      /** An undecided request expires after this; the ladder escalates it before then. */
      ttlMinutes: z.number().int().positive().max(24 * 60).default(60),
      requestsPerMinute: z.number().int().positive().default(10),
      /**
       * Who may decide for each approver role the runbooks name (docs/_data/approvers.yaml): users (as the
       * identity provider names them) and groups (proxy groups header, OIDC groups claim, demo groups), and the
       * alert channels a new request of that role is sent to. A role not listed here has no deciders.
       */
      roles: z.record(name, approverRoleSchema).default({}),
      /** How often undecided requests are looked at for escalation and expiry. */
      sweepSeconds: z.number().int().min(1).max(3600).default(30),
    })
    .default({ ttlMinutes: 60, requestsPerMinute: 10, roles: {}, sweepSeconds: 30 }),
  /** The Page action on escalation ladders: where it sends, and which Opsbook roles may use it. */
  paging: z
    .strictObject({
      /** Alert channel names (alerts.channels): a pagerduty channel gets an Events v2 trigger, slack/webhook a message. */
      channels: z.array(name).default([]),
      roles: z.array(roleName).min(1).default(['service-team', 'approver', 'admin']),
    })
    .default({ channels: [], roles: ['service-team', 'approver', 'admin'] }),
  notifications: z
    .strictObject({
      slackWebhookUrl: z.url().optional(),
      webhookUrl: z.url().optional(),
      /** Link target in notifications, e.g. https://opsbook.internal */
      publicUrl: z.url().optional(),
    })
    .default({}),
  /** Where check state changes are notified (Slack, PagerDuty, webhooks) and by which routes. */
  alerts: alertsSchema.default(ALERTS_DEFAULT),
  /** Check sets run server-side on a cron schedule as the opsbook-scheduler service identity. */
  schedules: schedulesSchema,
  manifest: z
    .strictObject({
      /** Ed25519 public key (PEM). When set, the server refuses an unsigned or tampered manifest. */
      publicKey: z.string().optional(),
    })
    .default({}),
  limits: limitsSchema.default(limitsSchema.parse({})),
  /**
   * Large results kept on the server (issue 14): a read with more rows than limits.rowsPerRun streams that many
   * to the page and keeps the whole result (up to maxRows) in a DuckDB file of the state directory, for the
   * page to page, sort, filter and export there. Only the user who ran it may read it; it expires.
   */
  results: z
    .strictObject({
      keep: z.boolean().default(true),
      maxRows: z.number().int().positive().max(100_000_000).default(1_000_000),
      /** One result's cells as text, at most; the rest is cut (truncated). */
      maxBytes: z.number().int().min(1024 * 1024).default(512 * 1024 * 1024),
      /** All kept results together; the oldest give way to a new one. */
      totalBytes: z.number().int().min(1024 * 1024).default(2 * 1024 * 1024 * 1024),
      ttlMinutes: z.number().int().positive().max(24 * 60).default(30),
    })
    .refine((r) => r.maxBytes <= r.totalBytes, { message: 'maxBytes must not exceed totalBytes', path: ['maxBytes'] })
    .default({ keep: true, maxRows: 1_000_000, maxBytes: 512 * 1024 * 1024, totalBytes: 2 * 1024 * 1024 * 1024, ttlMinutes: 30 }),
  /** Operations (issue 12). */
  operations: z
    .strictObject({
      /**
       * Ed25519 private key (PEM, e.g. "${OPSBOOK_OPERATIONS_KEY}") that signs exported reports. Without it the
       * server generates one and keeps it in the state directory (.opsbook/operations-signing-key.pem).
       */
      signingKey: z.string().optional(),
    })
    .default({}),
});
export type OpsbookConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`${file}: ${problems.length} problem${problems.length > 1 ? 's' : ''} in the configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Replaces ${VAR} (or ${VAR:-default}) in every string; a missing variable without a default is a
 * problem reported by its path.
 */
function expandEnv(value: unknown, at: string[], env: NodeJS.ProcessEnv, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, v: string, fallback: string | undefined) => {
      const found = env[v] || fallback;
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
  // Notification secrets are checked as written, before expansion: a literal would be a leak in git.
  const problems: string[] = literalSecretProblems(raw);
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
  const production = Object.entries(config.environments).filter(([, e]) => e.production).map(([n]) => n);
  if (config.auth.mode === 'demo' && production.length > 0) {
    throw new ConfigError(file, [`auth.mode: demo identities cannot be used with production environments (${production.join(', ')}); use mode proxy or oidc.`]);
  }
  const sandboxInProduction = production.filter((n) => Object.values(config.environments[n]!.connections).some((c) => (c.kind === 'airflow' && c.sandbox) || (c.kind === 's3' && c.demo) || (c.kind === 'dbt-cloud' && c.demo) || (c.kind === 'tableau' && c.demo) || (c.kind === 'slack' && c.demo) || (c.kind === 'databricks' && c.demo === true)));
  if (sandboxInProduction.length > 0) {
    throw new ConfigError(file, [`environments.${sandboxInProduction[0]}: the Airflow sandbox, the demo S3, dbt Cloud, Tableau, Slack and Databricks are demo stand-ins (the sandbox runs demo DAGs on the environment's warehouse); they cannot be connections of a production environment.`]);
  }
  if (config.defaultEnvironment && !config.environments[config.defaultEnvironment]) {
    throw new ConfigError(file, [`defaultEnvironment: "${config.defaultEnvironment}" is not one of the environments (${Object.keys(config.environments).join(', ')}).`]);
  }
  const scheduleProblems = config.schedules.flatMap((s, i) => [
    ...(config.environments[s.env] ? [] : [`schedules.${i}.env: "${s.env}" is not one of the environments (${Object.keys(config.environments).join(', ')}).`]),
    // pg-boss schedules fire at most once a minute; a seconds field would be silently coarsened.
    ...(config.audit.store === 'postgres' && cronFields(s.cron) !== 5 ? [`schedules.${i}.cron: with audit.store postgres schedules are minute-granular; write five fields (minute hour day month weekday).`] : []),
    ...(config.audit.store === 'postgres' && cronFields(s.cron) === 5 ? [pgBossCronProblem(s.cron, s.timezone)].filter((p) => p !== null).map((p) => `schedules.${i}.cron: ${p}.`) : []),
  ]);
  if (scheduleProblems.length) throw new ConfigError(file, scheduleProblems);
  const channelNames = Object.keys(config.alerts.channels);
  const channelProblems = [
    ...Object.entries(config.approvals.roles).flatMap(([role, r]) =>
      r.channels.filter((c) => !channelNames.includes(c)).map((c) => `approvals.roles.${role}.channels: "${c}" is not one of alerts.channels (${channelNames.join(', ') || 'none defined'}).`)),
    ...config.paging.channels.filter((c) => !channelNames.includes(c)).map((c) => `paging.channels: "${c}" is not one of alerts.channels (${channelNames.join(', ') || 'none defined'}).`),
  ];
  if (channelProblems.length) throw new ConfigError(file, channelProblems);
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
