/**
 * Notifications of approval requests and decisions: a Slack-compatible incoming webhook ({text}) and a
 * generic JSON webhook ({event, approval}), sent through the notification outbox like check alerts.
 */
import type { Approval } from './api';
import { APPROVALS_SLACK, APPROVALS_WEBHOOK } from './notifications/channels';
import type { Outbox } from './notifications/outbox';
import type { NewNotification } from './notifications/types';

export interface NotifyConfig {
  readonly slackWebhookUrl?: string | undefined;
  readonly webhookUrl?: string | undefined;
  readonly publicUrl?: string | undefined;
}

export type ApprovalEvent = 'requested' | 'approved' | 'rejected';

export function slackText(event: ApprovalEvent, a: Approval, publicUrl?: string): string {
  const link = publicUrl ? ` <${publicUrl.replace(/\/$/, '')}/approvals?id=${encodeURIComponent(a.id)}|Open the request in the approvals inbox>` : '';
  const what = `*${a.title ?? a.snippet}* (${a.runbook}${a.step ? ` / ${a.step}` : ''}) on *${a.env}*`;
  switch (event) {
    case 'requested':
      return `:raising_hand: ${a.requestedBy.displayName} asks ${a.approverRole} to approve ${what}: “${a.reason}”.${link}`;
    case 'approved':
      return `:white_check_mark: ${a.decidedBy?.displayName ?? 'An approver'} approved ${what} for ${a.requestedBy.displayName}: “${a.comment ?? ''}”.${link}`;
    case 'rejected':
      return `:no_entry: ${a.decidedBy?.displayName ?? 'An approver'} rejected ${what} for ${a.requestedBy.displayName}: “${a.comment ?? ''}”.${link}`;
  }
}

/**
 * Approval events become outbox notifications (server/notifications): written to the state store, then
 * delivered with retries; a failing receiver is recorded and logged, never blocks the request or decision.
 */
export function createNotifier(config: NotifyConfig, outbox: Pick<Outbox, 'enqueue'>) {
  return async (event: ApprovalEvent, approval: Approval): Promise<void> => {
    const subject = `approval ${event}: ${approval.title ?? approval.snippet} on ${approval.env}`;
    const items: NewNotification[] = [];
    if (config.slackWebhookUrl) items.push({ channel: APPROVALS_SLACK, kind: 'slack', event: `approval.${event}`, subject, body: { text: slackText(event, approval, config.publicUrl) } });
    // The text snippet is in the approval; the receiver decides what to show. Secrets are never in it.
    if (config.webhookUrl) items.push({ channel: APPROVALS_WEBHOOK, kind: 'webhook', event: `approval.${event}`, subject, body: { event: `approval.${event}`, approval } });
    await outbox.enqueue(items);
  };
}
