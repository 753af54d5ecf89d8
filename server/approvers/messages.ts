/**
 * One notice (an approval waiting for a role, an escalation, a page) as the body each channel kind takes:
 * a Slack incoming-webhook message ({text}), a PagerDuty Events API v2 trigger (summary ≤ 1024, source,
 * severity, links; the routing key is added at send time), or a generic webhook's JSON. Secrets never here.
 */
import type { OpsbookConfig } from '../config';
import type { ChannelKind, NewNotification } from '../notifications/types';

export interface Notice {
  /** `approval.requested`, `approval.escalated`, `approval.expired`, `page`. */
  readonly event: string;
  /** One line for people: what is waiting or wanted, and from whom. */
  readonly summary: string;
  /** Absolute link back (the inbox entry, the runbook page), or null when no public URL is configured. */
  readonly link: string | null;
  readonly linkText: string;
  /** Groups repeated triggers into one PagerDuty alert (e.g. one per approval request). */
  readonly dedupKey: string;
  readonly severity: 'critical' | 'error' | 'warning' | 'info';
  /** Structured details for webhooks and PagerDuty custom_details. */
  readonly details: Readonly<Record<string, unknown>>;
}

export function bodyFor(kind: ChannelKind, n: Notice): Record<string, unknown> {
  switch (kind) {
    case 'slack':
      return { text: `${n.summary}${n.link ? ` <${n.link}|${n.linkText}>` : ''}` };
    case 'pagerduty':
      return {
        event_action: 'trigger',
        dedup_key: n.dedupKey.slice(0, 255),
        payload: { summary: n.summary.slice(0, 1024), source: 'opsbook', severity: n.severity, custom_details: { ...n.details } },
        ...(n.link ? { links: [{ href: n.link, text: n.linkText }] } : {}),
        client: 'Opsbook',
        ...(n.link ? { client_url: n.link } : {}),
      };
    case 'webhook':
      return { event: n.event, summary: n.summary, link: n.link, details: n.details };
  }
}

/** Notifications of a notice to named alert channels (unknown names are skipped: config validation names them). */
export function toChannels(config: OpsbookConfig, channels: readonly string[], n: Notice): NewNotification[] {
  return channels.flatMap((name) => {
    const c = Object.hasOwn(config.alerts.channels, name) ? config.alerts.channels[name] : undefined;
    return c ? [{ channel: name, kind: c.kind, event: n.event, subject: n.summary.slice(0, 200), body: bodyFor(c.kind, n) }] : [];
  });
}

/** The public link to a path on this site, when notifications.publicUrl is set. */
export function publicLink(config: OpsbookConfig, path: string): string | null {
  const base = config.notifications.publicUrl ?? config.server.publicOrigins?.[0];
  return base ? `${base.replace(/\/$/, '')}${path.startsWith('/') ? path : `/${path}`}` : null;
}
