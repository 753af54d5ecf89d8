/**
 * Notifications of approval requests and decisions: a Slack-compatible incoming webhook ({text}) and a
 * generic JSON webhook ({event, approval}). Best effort with a timeout: a slow or failing receiver is
 * logged and never blocks the request or the decision.
 */
import type { Approval } from './api';

export interface NotifyConfig {
  readonly slackWebhookUrl?: string | undefined;
  readonly webhookUrl?: string | undefined;
  readonly publicUrl?: string | undefined;
}

export type ApprovalEvent = 'requested' | 'approved' | 'rejected';

export function slackText(event: ApprovalEvent, a: Approval, publicUrl?: string): string {
  const link = publicUrl ? ` <${publicUrl.replace(/\/$/, '')}/approvals|Open the approvals inbox>` : '';
  const what = `*${a.title ?? a.snippet}* (${a.runbook}${a.step ? ` / ${a.step}` : ''}) on *${a.env}*`;
  switch (event) {
    case 'requested':
      return `:raising_hand: ${a.requestedBy.displayName} asks ${a.approverRole} to approve ${what}: “${a.reason}”.${link}`;
    case 'approved':
      return `:white_check_mark: ${a.decidedBy?.displayName ?? 'An approver'} approved ${what} for ${a.requestedBy.displayName}: “${a.comment ?? ''}”.`;
    case 'rejected':
      return `:no_entry: ${a.decidedBy?.displayName ?? 'An approver'} rejected ${what} for ${a.requestedBy.displayName}: “${a.comment ?? ''}”.`;
  }
}

export function createNotifier(config: NotifyConfig, log: (m: string) => void, timeoutMs = 5000) {
  const post = async (url: string, body: unknown, what: string) => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) log(`notify: ${what} webhook answered HTTP ${res.status}`);
    } catch (error) {
      log(`notify: ${what} webhook failed: ${(error as Error).message}`);
    }
  };
  return (event: ApprovalEvent, approval: Approval): Promise<void> => {
    const sends: Promise<void>[] = [];
    if (config.slackWebhookUrl) sends.push(post(config.slackWebhookUrl, { text: slackText(event, approval, config.publicUrl) }, 'Slack'));
    if (config.webhookUrl) {
      // The text snippet is in the approval; the receiver decides what to show. Secrets are never in it.
      sends.push(post(config.webhookUrl, { event: `approval.${event}`, approval }, 'generic'));
    }
    return Promise.all(sends).then(() => undefined);
  };
}
