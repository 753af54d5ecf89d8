/**
 * Channel names → where and how to deliver, from the configuration at send time (so a rotated secret applies
 * to notifications already in the outbox, and the outbox never stores one). Approval notifications keep
 * their own settings (`notifications.slackWebhookUrl`, `notifications.webhookUrl`) as two built-in channels.
 */
import type { OpsbookConfig } from '../config';
import type { ResolvedChannel } from './types';

export const APPROVALS_SLACK = 'approvals-slack';
export const APPROVALS_WEBHOOK = 'approvals-webhook';

const asIs = (body: Readonly<Record<string, unknown>>) => ({ ...body });

export function channelResolver(config: OpsbookConfig): (name: string) => ResolvedChannel | null {
  return (name) => {
    if (name === APPROVALS_SLACK && config.notifications.slackWebhookUrl) return { kind: 'slack', url: config.notifications.slackWebhookUrl, headers: {}, finish: asIs };
    if (name === APPROVALS_WEBHOOK && config.notifications.webhookUrl) return { kind: 'webhook', url: config.notifications.webhookUrl, headers: {}, finish: asIs };
    const c = Object.hasOwn(config.alerts.channels, name) ? config.alerts.channels[name] : undefined;
    if (!c) return null;
    switch (c.kind) {
      case 'slack':
        return { kind: 'slack', url: c.url, headers: {}, finish: asIs };
      case 'webhook':
        return { kind: 'webhook', url: c.url, headers: c.headers, finish: asIs };
      case 'pagerduty':
        return { kind: 'pagerduty', url: c.url, headers: {}, finish: (body) => ({ routing_key: c.routingKey, ...body }) };
    }
  };
}
