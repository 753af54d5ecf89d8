/**
 * Starts the demo's check-history replay (seedHistory.ts) in the background for every environment with a
 * demo warehouse, one environment after the other, and reports each in the log. Never fails the server:
 * a replay that cannot run is logged, and the checks simply start without history.
 */
import type { OpsbookConfig } from '../config';
import type { ConnectorRegistry } from '../connectors/registry';
import type { AuditSink } from '../execution/audit';
import type { ManifestStore } from '../execution/manifestStore';
import { seedCheckHistory } from './seedHistory';
import type { CheckHistory } from './types';

export interface DemoHistoryDeps {
  readonly config: OpsbookConfig;
  readonly manifest: ManifestStore;
  readonly connectors: ConnectorRegistry;
  readonly audit: AuditSink;
  readonly history: CheckHistory | null;
  /** Days to replay; 0 (or not a number) replays nothing. */
  readonly days: number;
  readonly log: (message: string) => void;
  readonly now?: () => Date;
}

export interface DemoHistory {
  /** Settles when every environment's replay has ended (or was stopped). */
  readonly done: Promise<void>;
  stop(): void;
}

/** Environments whose warehouse is the seeded demo one: the only place a replay of past days is meaningful. */
export function demoEnvironments(config: OpsbookConfig): string[] {
  return Object.entries(config.environments)
    .filter(([, e]) => !e.production && Object.values(e.connections).some((c) => c.kind === 'duckdb' && c.demo))
    .map(([name]) => name);
}

export function startDemoHistory(deps: DemoHistoryDeps): DemoHistory {
  const controller = new AbortController();
  const days = Number.isInteger(deps.days) && deps.days > 0 ? Math.min(deps.days, 90) : 0;
  const history = deps.history;
  const envs = days > 0 && history ? demoEnvironments(deps.config) : [];
  const now = deps.now ?? (() => new Date());
  const done = (async () => {
    for (const env of envs) {
      try {
        const r = await seedCheckHistory({
          runner: { config: deps.config, manifest: deps.manifest, connectors: deps.connectors, audit: deps.audit, approvals: null, checks: history!, log: deps.log, now },
          env, days, now, log: deps.log, signal: controller.signal,
        });
        deps.log(
          `check history of ${env}: ${r.stopped ? 'stopped with the server after' : 'ready —'} ${r.ran} replays run, ${r.skipped} already recorded (${r.checks} checks × ${r.days} days), ` +
            `${r.notOk} not OK, in ${(r.elapsedMs / 1000).toFixed(1)} s`,
        );
        if (r.stopped) return;
      } catch (error) {
        deps.log(`check history of ${env} could not be replayed: ${(error as Error).message}`);
      }
    }
  })();
  return { done, stop: () => controller.abort() };
}
