/**
 * `npm start -- --check-config`: validates opsbook.config.yaml and tries every connection profile
 * (connect, `select 1` in the profile's mode), then prints one line per profile. Exit 1 when any fails.
 */
import path from 'node:path';
import type { ConnectionConfig, OpsbookConfig } from './config';
import { createConnectorRegistry } from './connectors/registry';
import type { Mode } from '../plugins/remark-runbook/types';
import type { SqlConnector } from './connectors/types';
import { READ_ROLE_HINT, readProfileRisks } from './connectors/postgres/privileges';
import { DATABRICKS_READ_NOTE } from './connectors/databricks/readBoundary';
import { systemForKind } from './connectors/systems/registry';
import { startDemoSystems, type DemoSystems } from './demo/systems';

export interface ProfileCheck {
  readonly env: string;
  readonly connection: string;
  readonly kind: string;
  readonly profile: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly ms: number;
}

function profilesOf(c: ConnectionConfig): Mode[] {
  switch (c.kind) {
    case 'duckdb':
      return ['read', 'write'];
    case 'postgres':
    case 'oracle':
    case 'sqlserver':
    case 'snowflake':
    case 'databricks':
      return c.write ? ['read', 'write'] : ['read'];
    case 'airflow':
      return ['read'];
    default:
      // A system (S3, dbt Cloud, paging) has one credential; its probe reads and never writes.
      return ['read'];
  }
}

async function checkAirflow(c: Extract<ConnectionConfig, { kind: 'airflow' }>): Promise<string> {
  if (c.sandbox) return 'embedded sandbox at /demo/airflow (starts with the server)';
  const health = `${c.url!.replace(/\/$/, '')}${c.api === 'v1' ? '/api/v1/health' : '/api/v2/monitor/health'}`;
  const res = await fetch(health, { signal: AbortSignal.timeout(c.timeoutMs ?? 10_000) });
  if (!res.ok) throw new Error(`${health} answered HTTP ${res.status}`);
  return `reachable (${c.api}); credentials are checked on the first call`;
}

export async function checkConnections(config: OpsbookConfig, siteDir: string): Promise<ProfileCheck[]> {
  const registry = createConnectorRegistry(config, siteDir);
  const results: ProfileCheck[] = [];
  // Demo systems (the demo S3) start only if a connection uses them, and stop with the check.
  const demo: { current: DemoSystems | null } = { current: null };
  const demoSystems = () => (demo.current ??= startDemoSystems());
  try {
    for (const [env, e] of Object.entries(config.environments)) {
      for (const [name, conn] of Object.entries(e.connections)) {
        for (const profile of profilesOf(conn)) {
          const t0 = performance.now();
          let ok = true;
          let detail: string;
          try {
            const system = systemForKind(conn.kind);
            if (conn.kind === 'airflow') detail = await checkAirflow(conn);
            else if (conn.kind === 'dbt-cloud' && conn.demo) detail = 'demo dbt Cloud at /demo/dbt-cloud (starts with the server)';
            else if (conn.kind === 'tableau' && conn.demo) detail = 'demo Tableau at /demo/tableau (starts with the server)';
            else if (conn.kind === 'slack' && conn.demo) detail = 'demo Slack at /demo/slack (starts with the server; posts are listed at /demo/slack/messages)';
            else if (conn.kind === 'databricks' && conn.demo) detail = 'demo Databricks (DLT pipeline ecommerce_dlt) at /demo/databricks (starts with the server)';
            // A Databricks connection with a SQL warehouse is probed with select 1 below; one without serves DLT blocks only.
            else if (system && !(conn.kind === 'databricks' && conn.warehouseId)) {
              const open = await system.open(conn, demoSystems());
              try {
                detail = await open.probe(AbortSignal.timeout(15_000));
              } finally {
                open.close();
              }
            } else {
              const connector = await registry.get(env, name);
              const out = await connector.stream(
                // Oracle before 23ai has no FROM-less SELECT.
                { text: conn.kind === 'oracle' ? 'select 1 from dual' : 'select 1', binds: {}, mode: profile, signal: AbortSignal.timeout(15_000), timeoutMs: 15_000, maxRows: 1 },
                { columns: () => undefined, rows: async () => undefined },
              );
              detail = out.rowCount === 1 ? 'select 1 ok' : `select 1 returned ${out.rowCount} rows`;
              // Databricks cannot run a read in a read-only transaction: say what the boundary is instead.
              if (conn.kind === 'databricks' && profile === 'read') detail = `${detail}; ${DATABRICKS_READ_NOTE}`;
              if (conn.kind === 'postgres' && profile === 'read') {
                const verdict = await postgresReadVerdict(connector, e.production);
                ok = verdict.ok;
                detail = verdict.ok ? `${detail}${verdict.detail ? `; ${verdict.detail}` : ''}` : (verdict.detail ?? detail);
              }
            }
          } catch (error) {
            ok = false;
            const e = error as Error & { hint?: string };
            detail = `${e.message}${e.hint ? ` — ${e.hint}` : ''}`;
          }
          results.push({ env, connection: name, kind: conn.kind, profile, ok, detail, ms: Math.round(performance.now() - t0) });
        }
      }
    }
  } finally {
    await registry.closeAll();
    await demo.current?.close();
  }
  return results;
}

/**
 * Settings that validate but will surprise operators once deployed. With an SSO proxy or OIDC the server
 * is reached through a public name; without server.publicOrigins it accepts sockets and changes only from
 * its own loopback origins, so every page behind the proxy would be refused.
 */
export function configWarnings(config: OpsbookConfig): string[] {
  const warnings: string[] = [];
  if ((config.auth.mode === 'proxy' || config.auth.mode === 'oidc') && !config.server.publicOrigins?.length) {
    warnings.push(
      `WARNING: auth mode is ${config.auth.mode} but server.publicOrigins is not set, so run sockets and changes are accepted only from this server's own localhost origins and pages opened through the public address will be refused. ` +
        'Fix: set server.publicOrigins to the address operators open, e.g. publicOrigins: ["https://opsbook.example.com"].',
    );
  }
  return warnings;
}

export function formatChecks(results: readonly ProfileCheck[], file: string, siteDir: string, warnings: readonly string[] = []): string {
  const rows = results.map((r) => [r.ok ? 'OK  ' : 'FAIL', r.env, r.connection, r.kind, r.profile, `${r.ms} ms`, r.detail]);
  const head = ['', 'environment', 'connection', 'kind', 'profile', 'time', 'detail'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const failed = results.filter((r) => !r.ok).length;
  return [
    `Configuration ${path.relative(siteDir, file) || file} is valid.`,
    ...(warnings.length ? ['', ...warnings] : []),
    '',
    line(head),
    ...rows.map(line),
    '',
    failed ? `${failed} of ${results.length} profiles failed.` : `All ${results.length} profiles answered.`,
  ].join('\n');
}

/** A privileged read profile is refused for a production environment and a warning elsewhere. */
async function postgresReadVerdict(connector: SqlConnector, production: boolean): Promise<{ ok: boolean; detail: string | null }> {
  const risks = await readProfileRisks(connector);
  if (risks.length === 0) return { ok: true, detail: null };
  if (production) return { ok: false, detail: `refused for a production environment: the read profile's ${risks.join(', ')}. ${READ_ROLE_HINT}` };
  return { ok: true, detail: `WARNING: the read profile's ${risks.join(', ')}. ${READ_ROLE_HINT}` };
}

/**
 * At server start: refuses (throws) when a production environment's PostgreSQL read profile is privileged,
 * and reports the others through `warn`. A database that does not answer yet is not a reason to refuse
 * start (it may come up later); it is said through `warn` and checked by --check-config.
 */
export async function checkReadProfiles(config: OpsbookConfig, siteDir: string, warn: (message: string) => void): Promise<void> {
  const registry = createConnectorRegistry(config, siteDir);
  const refused: string[] = [];
  try {
    for (const [env, e] of Object.entries(config.environments)) {
      for (const [name, conn] of Object.entries(e.connections)) {
        if (conn.kind !== 'postgres') continue;
        try {
          const verdict = await postgresReadVerdict(await registry.get(env, name), e.production);
          if (!verdict.ok) refused.push(`${env}/${name}: ${verdict.detail}`);
          else if (verdict.detail) warn(`${env}/${name}: ${verdict.detail}`);
        } catch (error) {
          warn(`${env}/${name}: could not check the read profile's privileges (${(error as Error).message}); run npm start -- --check-config once it answers.`);
        }
      }
    }
  } finally {
    await registry.closeAll();
  }
  if (refused.length) throw new PrivilegedReadProfileError(refused.join('\n'));
}

export class PrivilegedReadProfileError extends Error {
  override readonly name = 'PrivilegedReadProfileError';
}
