/**
 * Check state changes → routed channels → outbox → the Slack and PagerDuty contract fakes: a check going
 * to error triggers (PagerDuty dedup key per env + check, Slack message with value, threshold and deep link),
 * going back to ok resolves. Routes pick channels per runbook, system or owner, from a minimum verdict.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDBStore } from '../audit/duckdbStore';
import type { StateStore } from '../audit/types';
import type { CheckResultRecord, CheckTransition, Verdict } from '../checks/types';
import { parseConfig } from '../config';
import { channelResolver } from '../notifications/channels';
import { createOutbox, type Outbox } from '../notifications/outbox';
import { openOutboxStore } from '../notifications/sql';
import { PagerDutyReceiver } from '../notifications/testing/pagerdutyReceiver';
import { SlackWebhookReceiver } from '../notifications/testing/slackReceiver';
import { makeManifest } from '../testing/harness';
import { alertsSchema } from './config';
import { deepLink, describeFromManifest } from './describe';
import { subscribeAlerts } from './index';
import { dedupKey } from './messages';
import { actionsFor } from './route';

const KEY = 'b'.repeat(32);
const manifest = makeManifest({
  'investor-profit-aggregate/profit-vs-average': {
    file: 'docs/investor/profit-aggregate.mdx', step: 'check-deviation', title: 'Profit within 20 % of its 7-day average',
    params: [{ name: 'business_date', type: 'date', default: 'yesterday' }], expect: 'value <= 20', text: 'select 1',
  },
});

describe('routing', () => {
  const config = alertsSchema.parse({
    channels: { slack: { kind: 'slack', url: 'http://x/s' }, pager: { kind: 'pagerduty', routingKey: KEY }, hook: { kind: 'webhook', url: 'http://x/h' } },
    routes: [{ system: 'investor', channels: ['slack'] }, { runbook: 'investor-profit-aggregate', channels: ['pager'], minimum: 'error' }, { owner: 'Jane Doe', channels: ['hook'] }],
    default: ['hook'],
  });
  const investor = { runbook: 'investor-profit-aggregate', system: 'investor', owner: null };
  const act = (p: Verdict | null, c: Verdict) => actionsFor(config, investor, p, c);

  it('notifies every matching route from its minimum verdict, and the default only when nothing matches', () => {
    expect(act('ok', 'warn')).toEqual([{ channel: 'slack', action: 'trigger' }]);
    expect(act('warn', 'error')).toEqual([{ channel: 'slack', action: 'update' }, { channel: 'pager', action: 'trigger' }]);
    expect(act('error', 'warn')).toEqual([{ channel: 'slack', action: 'update' }, { channel: 'pager', action: 'resolve' }]);
    expect(act('error', 'ok')).toEqual([{ channel: 'slack', action: 'resolve' }, { channel: 'pager', action: 'resolve' }]);
    expect(act(null, 'ok')).toEqual([]);
    expect(act(null, 'error')).toEqual([{ channel: 'slack', action: 'trigger' }, { channel: 'pager', action: 'trigger' }]);
    expect(actionsFor(config, { runbook: 'retail-x', system: 'retail', owner: 'Jane Doe' }, 'ok', 'warn')).toEqual([{ channel: 'hook', action: 'trigger' }]);
    expect(actionsFor(config, { runbook: 'retail-x', system: 'retail', owner: null }, 'ok', 'error')).toEqual([{ channel: 'hook', action: 'trigger' }]);
  });

  it('refuses a route to an undefined channel and a PagerDuty key of the wrong length, with where and how', () => {
    const bad = alertsSchema.safeParse({ channels: { p: { kind: 'pagerduty', routingKey: 'short' } }, routes: [{ runbook: 'x', channels: ['nope'] }] });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toContain('channels.p.routingKey: a PagerDuty routing key (Integration Key) has 32 characters');
    expect(messages.some((m) => m.startsWith('routes.0.channels.0: no channel "nope"'))).toBe(true);
  });

  it('builds deep links that open the runbook at the check with its environment and business date', async () => {
    const d = (await describeFromManifest(() => manifest)('investor-profit-aggregate/profit-vs-average'))!;
    expect(deepLink('https://opsbook.internal/', d, 'prod', '2026-11-30')).toBe('https://opsbook.internal/investor/profit-aggregate?env=prod&business_date=2026-11-30#snippet-profit-vs-average');
  });

  it('keeps PagerDuty dedup keys within 255 characters', () => {
    expect(dedupKey('demo', 'rb/c', '2026-11-30')).toBe('opsbook:demo:rb/c:2026-11-30');
    expect(dedupKey('demo', 'rb/c', null)).toBe('opsbook:demo:rb/c');
    expect(dedupKey('demo', `rb/${'x'.repeat(400)}`, '2026-11-30').length).toBeLessThanOrEqual(255);
  });
});

describe('alerts on check state changes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-alerts-'));
  const slack = new SlackWebhookReceiver();
  const pd = new PagerDutyReceiver();
  let store: StateStore;
  let outbox: Outbox;
  const listeners = new Set<(t: CheckTransition) => void>();
  const history = { onTransition: (l: (t: CheckTransition) => void) => (listeners.add(l), () => listeners.delete(l)) };
  const result = (verdict: Verdict, value: number): CheckResultRecord => ({
    id: `r-${verdict}-${value}`, env: 'demo', key: 'investor-profit-aggregate/profit-vs-average', sha256: manifest.snippets['investor-profit-aggregate/profit-vs-average']!.sha256,
    runbook: 'investor-profit-aggregate', step: 'check-deviation', businessDate: '2026-11-30', value, rows: 1, verdict,
    detail: `profit deviates ${value} % from its 7-day average`, runId: null, ranBy: 'opsbook-scheduler', origin: 'schedule', at: '2026-12-01T07:00:00.000Z',
  });

  beforeAll(async () => {
    const slackUrl = await slack.start();
    const pdUrl = await pd.start();
    const config = parseConfig(
      `environments: {demo: {connections: {warehouse: {kind: duckdb, path: x.duckdb}}}}\nnotifications: {publicUrl: "https://opsbook.internal"}\nalerts:\n  channels:\n    ops: {kind: slack, url: "\${SLACK_URL}"}\n    pager: {kind: pagerduty, routingKey: "\${PD_KEY}", url: "${pdUrl}/v2/enqueue"}\n  routes:\n    - {system: investor, channels: [ops, pager]}\n  retryBaseMs: 20\n`,
      'alerts-test.yaml',
      { SLACK_URL: `${slackUrl}${slack.path}`, PD_KEY: KEY },
    );
    store = await openDuckDBStore(path.join(dir, 'state.duckdb'));
    outbox = createOutbox({ store: await openOutboxStore(store.sql!), channels: channelResolver(config), policy: { maxAttempts: 5, baseMs: 20, maxMs: 200, timeoutMs: 5_000 }, instance: 't', log: () => undefined, pollMs: 100 });
    subscribeAlerts({ config, history, outbox, describe: describeFromManifest(() => manifest), log: (m) => console.error(m) });
  });
  afterAll(async () => {
    await outbox.close();
    await slack.close();
    await pd.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('triggers PagerDuty and posts to Slack when a check goes to error, and resolves both when it is back to ok', async () => {
    for (const l of listeners) l({ previous: 'ok', current: result('error', 41.5) });
    const dedup = 'opsbook:demo:investor-profit-aggregate/profit-vs-average:2026-11-30';
    await pd.waitFor(() => pd.open.has(dedup), 'the PagerDuty trigger');
    await slack.waitFor(() => slack.messages.length === 1, 'the Slack alert');
    const trigger = pd.open.get(dedup)!;
    const link = 'https://opsbook.internal/investor/profit-aggregate?env=demo&business_date=2026-11-30#snippet-profit-vs-average';
    expect(trigger).toMatchObject({
      event_action: 'trigger', routing_key: KEY,
      payload: { severity: 'error', source: 'opsbook/demo', group: 'investor', custom_details: { value: 41.5, threshold: 'value <= 20', business_date: '2026-11-30', ran_by: 'opsbook-scheduler' } },
      links: [{ href: link, text: 'Open the check in its runbook' }],
    });
    expect(trigger.payload!.summary).toBe('ERROR: Profit within 20 % of its 7-day average (investor-profit-aggregate / check-deviation) on demo for 2026-11-30');
    expect(slack.messages[0]!.text).toContain('value 41.5, condition `value <= 20`');
    expect(slack.messages[0]!.text).toContain(`<${link}|Open the check in its runbook>`);

    for (const l of listeners) l({ previous: 'error', current: result('ok', 3) });
    await pd.waitFor(() => !pd.open.has(dedup), 'the PagerDuty resolve');
    await slack.waitFor(() => slack.messages.length === 2, 'the Slack resolution');
    expect(pd.events.at(-1)).toEqual({ routing_key: KEY, event_action: 'resolve', dedup_key: dedup });
    expect(slack.messages[1]!.text).toMatch(/^:white_check_mark: \*Resolved: Profit within 20 % .* is passing again on demo for 2026-11-30\*/);
    await outbox.idle();
    const log = await outbox.list({ limit: 10 });
    expect(log.map((n) => [n.channel, n.event, n.status]).sort()).toEqual([['ops', 'check.error', 'sent'], ['ops', 'check.resolved', 'sent'], ['pager', 'check.error', 'sent'], ['pager', 'check.resolved', 'sent']]);
  });
});
