/**
 * Alerts: subscribes to check state changes (CheckHistory.onTransition) and puts one notification per
 * routed channel into the outbox. Runs after the result is recorded and never delays or fails the run:
 * a description or outbox failure is logged.
 */
import type { CheckHistory, CheckTransition } from '../checks/types';
import type { OpsbookConfig } from '../config';
import type { Outbox } from '../notifications/outbox';
import { deepLink, type DescribeCheck } from './describe';
import { notificationFor } from './messages';
import { actionsFor } from './route';

export interface AlertDeps {
  readonly config: OpsbookConfig;
  readonly history: Pick<CheckHistory, 'onTransition'>;
  readonly outbox: Pick<Outbox, 'enqueue'>;
  readonly describe: DescribeCheck;
  readonly log: (message: string) => void;
}

/** The base of deep links: notifications.publicUrl, else the first public origin (else a site-relative link). */
export function publicUrlOf(config: OpsbookConfig): string {
  return config.notifications.publicUrl ?? config.server.publicOrigins?.[0] ?? '';
}

export async function alertFor(deps: Omit<AlertDeps, 'history'>, t: CheckTransition): Promise<number> {
  const alerts = deps.config.alerts;
  if (Object.keys(alerts.channels).length === 0) return 0;
  // The demo's replay of past days is history, not news: it notifies nobody, and a result after it starts
  // from no open alert (a seeded error was never sent, so there is nothing to resolve).
  if (t.current.origin === 'seed') return 0;
  const previous = t.previousOrigin === 'seed' ? null : t.previous;
  const check = await deps.describe(t.current.key);
  if (!check) {
    deps.log(`alerts: ${t.current.key} changed to ${t.current.verdict} but is not in the manifest any more; not notified.`);
    return 0;
  }
  const actions = actionsFor(alerts, check, previous, t.current.verdict);
  if (actions.length === 0) return 0;
  const context = { previous, result: t.current, check, link: deepLink(publicUrlOf(deps.config), check, t.current.env, t.current.businessDate) };
  const items = actions.map(({ channel, action }) => notificationFor(alerts.channels[channel]!.kind, channel, context, action));
  await deps.outbox.enqueue(items);
  return items.length;
}

export function subscribeAlerts(deps: AlertDeps): () => void {
  return deps.history.onTransition((t) => {
    alertFor(deps, t).catch((error: unknown) => deps.log(`alerts: could not notify ${t.current.key} (${t.previous ?? 'new'} → ${t.current.verdict}): ${(error as Error).message}`));
  });
}
