/**
 * What runs on its own beside the pages: the notification outbox (approval notifications and check alerts),
 * alerts on check state changes, and scheduled check sets. Started by createApp, closed with it. A store
 * without SQL (a hand-written test fake) gets neither; everything else degrades to a logged problem, never
 * a stopped server.
 */
import type { StateStore } from './audit/types';
import type { CheckHistory } from './checks/types';
import type { RunnerDeps } from './execution/runner';
import { subscribeAlerts } from './alerts';
import { describeFromManifest, type DescribeCheck } from './alerts/describe';
import { channelResolver } from './notifications/channels';
import { createOutbox, type Outbox } from './notifications/outbox';
import { openOutboxStore } from './notifications/sql';
import type { Fetch } from './notifications/delivery';
import type { SettledDelivery } from './notifications/types';
import { startSchedules, type Schedules } from './schedules';

export interface AutomationDeps {
  readonly runner: RunnerDeps;
  readonly store: StateStore;
  readonly instance: string;
  readonly log: (message: string) => void;
  readonly history?: Pick<CheckHistory, 'onTransition'>;
  /** How an alert learns a check's runbook, owner and page; the manifest fallback when absent. */
  readonly describe?: DescribeCheck;
  readonly fetch?: Fetch;
  readonly outboxPollMs?: number;
  /** Told of every delivery attempt (the Page action records the receiver's answer in its operation). */
  readonly onDelivery?: (delivery: SettledDelivery) => void;
}

export interface Automation {
  /** Enqueues through the outbox once it is open (immediately after start). */
  readonly outbox: Pick<Outbox, 'enqueue'>;
  /** Resolves once the outbox is open and the schedules run (null parts when the store has no SQL). */
  readonly ready: Promise<{ outbox: Outbox | null; schedules: Schedules | null }>;
  close(): Promise<void>;
}

export function startAutomation(deps: AutomationDeps): Automation {
  const { config } = deps.runner;
  let unsubscribe = () => {};
  const ready = (async () => {
    const sql = deps.store.sql;
    if (!sql) return { outbox: null, schedules: null };
    const outbox = createOutbox({
      store: await openOutboxStore(sql),
      channels: channelResolver(config),
      policy: { maxAttempts: config.alerts.maxAttempts, baseMs: config.alerts.retryBaseMs, maxMs: config.alerts.retryMaxMs, timeoutMs: config.alerts.timeoutMs },
      instance: deps.instance,
      log: deps.log,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(deps.outboxPollMs ? { pollMs: deps.outboxPollMs } : {}),
      ...(deps.onDelivery ? { onSettled: deps.onDelivery } : {}),
    });
    if (deps.history) {
      unsubscribe = subscribeAlerts({ config, history: deps.history, outbox, describe: deps.describe ?? describeFromManifest(() => deps.runner.manifest.current()), log: deps.log });
    }
    let schedules: Schedules | null = null;
    try {
      schedules = await startSchedules({ runner: deps.runner, sql, instance: deps.instance, log: deps.log });
    } catch (error) {
      deps.log(`SCHEDULES NOT RUNNING: ${(error as Error).message}`);
    }
    return { outbox, schedules };
  })();
  const failed = ready.catch((error: unknown) => {
    deps.log(`NOTIFICATIONS AND SCHEDULES NOT RUNNING: ${(error as Error).message}`);
    return { outbox: null, schedules: null };
  });
  return {
    outbox: {
      async enqueue(items) {
        const { outbox } = await failed;
        if (outbox) return outbox.enqueue(items);
        if (items.length) deps.log(`NOTIFICATION NOT STORED (no outbox on this store): ${items.map((i) => `${i.channel} ${i.event}`).join(', ')}`);
        return false;
      },
    },
    ready: failed,
    async close() {
      unsubscribe();
      const { outbox, schedules } = await failed;
      await schedules?.close();
      await outbox?.close();
    },
  };
}
