/**
 * The notification bodies of a check's state change, per channel kind: a Slack message (text + blocks),
 * a PagerDuty Events v2 event (trigger / resolve with one dedup key per environment + check + business date), and a generic
 * JSON webhook event. Each carries the value, the threshold, the runbook and step, and the deep link.
 */
import { createHash } from 'node:crypto';
import type { CheckResultRecord, Verdict } from '../checks/types';
import type { ChannelKind, NewNotification } from '../notifications/types';
import type { CheckDescription } from './describe';
import type { AlertAction } from './route';

export interface AlertContext {
  readonly previous: Verdict | null;
  readonly result: CheckResultRecord & { readonly threshold?: string };
  readonly check: CheckDescription;
  readonly link: string;
}

/**
 * One PagerDuty incident per environment + check + business date: the date is part of the key, so the
 * resolve of yesterday's figure never closes the incident about today's. Dedup keys are at most 255
 * characters: long check keys keep a readable head and a hash.
 */
export function dedupKey(env: string, key: string, businessDate: string | null): string {
  const plain = `opsbook:${env}:${key}${businessDate ? `:${businessDate}` : ''}`;
  return plain.length <= 255 ? plain : `${plain.slice(0, 200)}:${createHash('sha256').update(plain).digest('hex').slice(0, 32)}`;
}

/** The condition that decided: the record's own threshold, else the check's condition for that verdict. */
export function thresholdOf(c: AlertContext): string | null {
  if (c.result.threshold) return c.result.threshold;
  const k = c.check.conditions;
  if (c.result.verdict === 'error') return k.error ?? k.expect ?? null;
  if (c.result.verdict === 'warn') return k.warn ?? null;
  return k.error ?? k.warn ?? k.expect ?? null;
}

const label: Record<Verdict, string> = { ok: 'OK', warn: 'WARNING', error: 'ERROR' };
const icon: Record<Verdict, string> = { ok: ':white_check_mark:', warn: ':warning:', error: ':rotating_light:' };

function headline(c: AlertContext, action: AlertAction): string {
  const what = c.check.title ?? c.check.key;
  const where = `${c.check.runbookTitle}${c.check.step ? ` / ${c.check.step}` : ''}`;
  const date = c.result.businessDate ? ` for ${c.result.businessDate}` : '';
  if (action === 'resolve') return `Resolved: ${what} (${where}) is ${c.result.verdict === 'ok' ? 'passing' : `down to ${label[c.result.verdict].toLowerCase()}`} again on ${c.result.env}${date}`;
  return `${label[c.result.verdict]}: ${what} (${where}) on ${c.result.env}${date}`;
}

function facts(c: AlertContext): string {
  const threshold = thresholdOf(c);
  return [
    `value ${c.result.value ?? 'none'}${threshold ? `, condition \`${threshold}\`` : ''}`,
    c.result.detail,
    `ran by ${c.result.ranBy} (${c.result.origin}) at ${c.result.at}`,
  ].filter(Boolean).join(' — ');
}

export function slackBody(c: AlertContext, action: AlertAction): Record<string, unknown> {
  const emoji = action === 'resolve' ? icon.ok : icon[c.result.verdict];
  const text = `${emoji} *${headline(c, action)}*\n${facts(c)}\n<${c.link}|Open the check in its runbook>`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${emoji} *${headline(c, action)}*\n${facts(c)}` } },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the check' }, url: c.link }] },
    ],
  };
}

export function pagerdutyBody(c: AlertContext, action: AlertAction): Record<string, unknown> {
  const dedup_key = dedupKey(c.result.env, c.result.key, c.result.businessDate);
  if (action === 'resolve') return { event_action: 'resolve', dedup_key };
  const threshold = thresholdOf(c);
  return {
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: headline(c, action).slice(0, 1024),
      source: `opsbook/${c.result.env}`,
      severity: c.result.verdict === 'error' ? 'error' : 'warning',
      timestamp: c.result.at,
      component: c.check.runbook,
      ...(c.check.system ? { group: c.check.system } : {}),
      class: 'data check',
      custom_details: {
        check: c.check.key, value: c.result.value, threshold, detail: c.result.detail, business_date: c.result.businessDate,
        runbook: c.check.runbookTitle, step: c.check.step, owner: c.check.owner, ran_by: c.result.ranBy, origin: c.result.origin, previous: c.previous,
      },
    },
    links: [{ href: c.link, text: 'Open the check in its runbook' }],
    client: 'Opsbook',
    client_url: c.link,
  };
}

export function webhookBody(c: AlertContext, action: AlertAction): Record<string, unknown> {
  return {
    event: action === 'resolve' ? 'check.resolved' : `check.${c.result.verdict}`,
    action,
    previous: c.previous,
    verdict: c.result.verdict,
    env: c.result.env,
    check: { key: c.check.key, title: c.check.title, runbook: c.check.runbook, runbookTitle: c.check.runbookTitle, system: c.check.system, owner: c.check.owner, step: c.check.step },
    businessDate: c.result.businessDate,
    value: c.result.value,
    threshold: thresholdOf(c),
    detail: c.result.detail,
    ranBy: c.result.ranBy,
    origin: c.result.origin,
    at: c.result.at,
    link: c.link,
  };
}

export function notificationFor(kind: ChannelKind, channel: string, c: AlertContext, action: AlertAction): NewNotification {
  const body = kind === 'slack' ? slackBody(c, action) : kind === 'pagerduty' ? pagerdutyBody(c, action) : webhookBody(c, action);
  return { channel, kind, event: action === 'resolve' ? 'check.resolved' : `check.${c.result.verdict}`, subject: headline(c, action), body };
}
