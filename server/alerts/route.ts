/**
 * Which channels hear about a check, and what each is told. Every route matching the check's runbook,
 * system or owner applies (the default when none does); a route notifies from its `minimum` verdict up.
 * For each channel, a check is "alerting" when its verdict reaches the route's minimum: becoming alerting
 * opens an alert, staying alerting with another verdict updates it, ceasing to be alerting resolves it.
 */
import type { Verdict } from '../checks/types';
import type { AlertsConfig } from './config';
import type { CheckDescription } from './describe';

export type AlertAction = 'trigger' | 'update' | 'resolve';

export interface ChannelAction {
  readonly channel: string;
  readonly action: AlertAction;
}

const rank: Record<Verdict, number> = { ok: 0, warn: 1, error: 2 };

export function actionsFor(config: AlertsConfig, d: Pick<CheckDescription, 'runbook' | 'system' | 'owner'>, previous: Verdict | null, current: Verdict): ChannelAction[] {
  const matching = config.routes.filter((r) => (r.runbook !== undefined && r.runbook === d.runbook) || (r.system !== undefined && r.system === d.system) || (r.owner !== undefined && r.owner === d.owner));
  const minimums = new Map<string, number>();
  const add = (channel: string, min: 'warn' | 'error') => minimums.set(channel, Math.min(minimums.get(channel) ?? 2, rank[min]));
  if (matching.length === 0) for (const c of config.default) add(c, 'warn');
  for (const r of matching) for (const c of r.channels) add(c, r.minimum);
  const actions: ChannelAction[] = [];
  for (const [channel, min] of minimums) {
    const was = previous !== null && rank[previous] >= min;
    const is = rank[current] >= min;
    if (!was && is) actions.push({ channel, action: 'trigger' });
    else if (was && is && previous !== current) actions.push({ channel, action: 'update' });
    else if (was && !is) actions.push({ channel, action: 'resolve' });
  }
  return actions;
}
