/**
 * `npm start -- --check-config`: validates opsbook.config.yaml and tries every connection profile
 * (connect, `select 1` in the profile's mode), then prints one line per profile. Exit 1 when any fails.
 */
import path from 'node:path';
import type { ConnectionConfig, OpsbookConfig } from './config';
import { createConnectorRegistry } from './connectors/registry';
import type { Mode } from '../plugins/remark-runbook/types';

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
      return c.write ? ['read', 'write'] : ['read'];
    case 'airflow':
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
  try {
    for (const [env, e] of Object.entries(config.environments)) {
      for (const [name, conn] of Object.entries(e.connections)) {
        for (const profile of profilesOf(conn)) {
          const t0 = performance.now();
          let ok = true;
          let detail: string;
          try {
            if (conn.kind === 'airflow') detail = await checkAirflow(conn);
            else {
              const connector = await registry.get(env, name);
              const out = await connector.stream(
                // Oracle before 23ai has no FROM-less SELECT.
                { text: conn.kind === 'oracle' ? 'select 1 from dual' : 'select 1', binds: {}, mode: profile, signal: AbortSignal.timeout(15_000), timeoutMs: 15_000, maxRows: 1 },
                { columns: () => undefined, rows: async () => undefined },
              );
              detail = out.rowCount === 1 ? 'select 1 ok' : `select 1 returned ${out.rowCount} rows`;
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
  }
  return results;
}

export function formatChecks(results: readonly ProfileCheck[], file: string, siteDir: string): string {
  const rows = results.map((r) => [r.ok ? 'OK  ' : 'FAIL', r.env, r.connection, r.kind, r.profile, `${r.ms} ms`, r.detail]);
  const head = ['', 'environment', 'connection', 'kind', 'profile', 'time', 'detail'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const failed = results.filter((r) => !r.ok).length;
  return [
    `Configuration ${path.relative(siteDir, file) || file} is valid.`,
    '',
    line(head),
    ...rows.map(line),
    '',
    failed ? `${failed} of ${results.length} profiles failed.` : `All ${results.length} profiles answered.`,
  ].join('\n');
}
