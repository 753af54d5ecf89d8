/**
 * The outbox against the contract fakes on loopback, on both state stores: delivered, retried with backoff,
 * 429 Retry-After honoured, permanent refusals and exhausted attempts recorded and logged, claims left by a
 * crash resumed. No timing assertions: waits poll with generous guards, and the one lower bound checked
 * (Retry-After) is between recorded attempt times.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDBStore } from '../audit/duckdbStore';
import { openPostgresStore } from '../audit/postgresStore';
import type { StateStore } from '../audit/types';
import { parseConfig } from '../config';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema } from '../testing/postgres';
import { channelResolver } from './channels';
import { createOutbox, type Outbox } from './outbox';
import { openOutboxStore, type OutboxStore } from './sql';
import { PagerDutyReceiver } from './testing/pagerdutyReceiver';
import { SlackWebhookReceiver } from './testing/slackReceiver';
import type { NotificationView, ResolvedChannel, SettledDelivery } from './types';

const KEY = 'R0123456789abcdef0123456789abcd'.padEnd(32, 'f');

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, guardMs = 60_000): Promise<T> {
  const deadline = Date.now() + guardMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function outboxContract(name: string, open: () => Promise<StateStore>, cleanup: () => Promise<void>, skip: () => string | null) {
  describe(`the notification outbox on ${name}`, () => {
    let store: StateStore;
    let outboxStore: OutboxStore;
    const slack = new SlackWebhookReceiver();
    const pd = new PagerDutyReceiver();
    let slackUrl = '';
    let pdUrl = '';
    const logs: string[] = [];
    const outboxes: Outbox[] = [];

    const deliveries: SettledDelivery[] = [];
    const make = (channels: (n: string) => ResolvedChannel | null, maxAttempts = 5, instance = 'test-a') => {
      const o = createOutbox({ store: outboxStore, channels, policy: { maxAttempts, baseMs: 20, maxMs: 200, timeoutMs: 5_000 }, instance, log: (m) => logs.push(m), pollMs: 100, onSettled: (d) => deliveries.push(d) });
      outboxes.push(o);
      return o;
    };
    const resolver = () =>
      channelResolver(
        parseConfig(
          `environments: {demo: {connections: {warehouse: {kind: duckdb, path: x.duckdb}}}}\nalerts:\n  channels:\n    ops: {kind: slack, url: "\${SLACK_URL}"}\n    pager: {kind: pagerduty, routingKey: "\${PD_KEY}", url: "${pdUrl}/v2/enqueue"}\n  default: [ops]\n`,
          'outbox-test.yaml',
          { SLACK_URL: `${slackUrl}${slack.path}`, PD_KEY: KEY },
        ),
      );
    const find = async (id: string | undefined, subject: string): Promise<NotificationView | undefined> => (await outboxStore.list({ limit: 1000 })).find((n) => (id ? n.id === id : n.subject === subject));
    const settled = (subject: string) => until(`${subject} settled`, async () => {
      const n = await find(undefined, subject);
      return n && (n.status === 'sent' || n.status === 'failed') ? n : null;
    });

    beforeAll(async () => {
      if (skip()) return;
      store = await open();
      outboxStore = await openOutboxStore(store.sql!);
      slackUrl = await slack.start();
      pdUrl = await pd.start();
    });
    // Each test's outbox stops with it: a live one would take the next test's notifications to its own receivers.
    afterEach(async () => {
      for (const o of outboxes.splice(0)) await o.close();
    });
    afterAll(async () => {
      if (skip()) return;
      await slack.close();
      await pd.close();
      await store.close();
      await cleanup();
    });

    it('writes a notification first, then delivers it to a Slack webhook that accepts it', async (ctx) => {
      if (skip()) return ctx.skip();
      const outbox = make(resolver());
      expect(await outbox.enqueue([{ channel: 'ops', kind: 'slack', event: 'check.error', subject: 'first', body: { text: 'Profit deviates 40 %' } }])).toBe(true);
      const n = await settled('first');
      expect(n).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
      expect(n.attemptLog).toEqual([expect.objectContaining({ attempt: 1, httpStatus: 200, outcome: 'sent' })]);
      expect(slack.messages.some((m) => m.text === 'Profit deviates 40 %')).toBe(true);
    });

    it('keeps the id a sender chose and tells it each attempt with the receiver’s answer (PagerDuty: status, message, dedup_key)', async (ctx) => {
      if (skip()) return ctx.skip();
      const outbox = make(resolver());
      pd.rateLimitNext(1, 0);
      const id = `page-${Math.random().toString(36).slice(2)}`;
      await outbox.enqueue([{ id, channel: 'pager', kind: 'pagerduty', event: 'page', subject: 'answered', body: { event_action: 'trigger', dedup_key: 'opsbook-page-x', payload: { summary: 's', source: 'opsbook', severity: 'critical' } } }]);
      expect((await settled('answered')).id).toBe(id);
      const mine = await until('both attempts told', async () => {
        const told = deliveries.filter((d) => d.notificationId === id);
        return told.length === 2 ? told : null;
      });
      expect(mine[0]).toMatchObject({ channel: 'pager', kind: 'pagerduty', event: 'page', attempt: 1, outcome: 'retry', httpStatus: 429 });
      expect(mine[1]).toMatchObject({ attempt: 2, outcome: 'sent', httpStatus: 202 });
      expect(JSON.parse(mine[1]!.answer!)).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'opsbook-page-x' });
    });

    it('retries a receiver that answers 503 until it accepts, recording every attempt', async (ctx) => {
      if (skip()) return ctx.skip();
      const outbox = make(resolver());
      slack.failNext(2, 503);
      await outbox.enqueue([{ channel: 'ops', kind: 'slack', event: 'check.warn', subject: 'flaky', body: { text: 'flaky receiver' } }]);
      const n = await settled('flaky');
      expect(n.status).toBe('sent');
      expect(n.attemptLog.map((a) => [a.httpStatus, a.outcome])).toEqual([[503, 'retry'], [503, 'retry'], [200, 'sent']]);
      expect(logs.some((l) => l.includes('ops (check.warn) attempt 1 failed: HTTP 503'))).toBe(true);
    });

    it('waits at least the Retry-After a 429 asks for before the next attempt', async (ctx) => {
      if (skip()) return ctx.skip();
      const outbox = make(resolver());
      pd.rateLimitNext(1, 1);
      await outbox.enqueue([{ channel: 'pager', kind: 'pagerduty', event: 'check.error', subject: 'limited', body: { event_action: 'trigger', dedup_key: 'opsbook:demo:rb/c', payload: { summary: 's', source: 'opsbook/demo', severity: 'error' } } }]);
      const n = await settled('limited');
      expect(n.status).toBe('sent');
      const [first, second] = n.attemptLog;
      expect(first).toMatchObject({ httpStatus: 429, outcome: 'retry', retryAfterMs: 1000 });
      expect(Date.parse(second!.at) - Date.parse(first!.at)).toBeGreaterThanOrEqual(1000);
      // The routing key is added at send time: the stored body never holds it.
      expect(JSON.stringify(n.body)).not.toContain(KEY);
      expect(pd.open.get('opsbook:demo:rb/c')?.routing_key).toBe(KEY);
    });

    it('fails at once, recorded and logged, when PagerDuty refuses the event as invalid (400 is not retried)', async (ctx) => {
      if (skip()) return ctx.skip();
      const good = resolver();
      const badKey = (name: string) => {
        const c = good(name);
        return c && name === 'pager' ? { ...c, finish: (b: Readonly<Record<string, unknown>>) => ({ ...b, routing_key: 'too-short' }) } : c;
      };
      const outbox = make(badKey);
      await outbox.enqueue([{ channel: 'pager', kind: 'pagerduty', event: 'check.error', subject: 'bad key', body: { event_action: 'trigger', payload: { summary: 's', source: 'x', severity: 'error' } } }]);
      const n = await settled('bad key');
      expect(n).toMatchObject({ status: 'failed', attempts: 1 });
      expect(n.lastError).toContain("Length of 'routing_key' is incorrect");
      expect(logs.some((l) => l.startsWith('NOTIFICATION FAILED: pager (check.error) “bad key” after 1 attempt(s): HTTP 400'))).toBe(true);
    });

    it('gives up after the configured attempts against a receiver that keeps failing, and says so', async (ctx) => {
      if (skip()) return ctx.skip();
      const outbox = make(resolver(), 3);
      slack.failNext(3, 500);
      await outbox.enqueue([{ channel: 'ops', kind: 'slack', event: 'check.error', subject: 'hopeless', body: { text: 'x' } }]);
      const n = await settled('hopeless');
      expect(n).toMatchObject({ status: 'failed', attempts: 3 });
      expect(n.attemptLog.map((a) => a.outcome)).toEqual(['retry', 'retry', 'failed']);
      expect(logs.some((l) => l.includes('“hopeless” after 3 attempt(s)') && l.includes('out of attempts'))).toBe(true);
    });

    it('retries an unreachable receiver as a network error, and a channel removed from the configuration fails', async (ctx) => {
      if (skip()) return ctx.skip();
      const outbox = make((n) => (n === 'gone' ? null : { kind: 'webhook', url: 'http://127.0.0.1:9/hook', headers: {}, finish: (b) => ({ ...b }) }), 2);
      await outbox.enqueue([
        { channel: 'nowhere', kind: 'webhook', event: 'check.error', subject: 'unreachable', body: { a: 1 } },
        { channel: 'gone', kind: 'webhook', event: 'check.error', subject: 'removed', body: { a: 1 } },
      ]);
      const unreachable = await settled('unreachable');
      expect(unreachable).toMatchObject({ status: 'failed', attempts: 2 });
      expect(unreachable.attemptLog[0]).toMatchObject({ httpStatus: null, outcome: 'retry' });
      expect(await settled('removed')).toMatchObject({ status: 'failed', lastError: 'no channel "gone" is configured any more' });
    });

    it('resumes after a restart what a previous life of the instance had claimed but not delivered', async (ctx) => {
      if (skip()) return ctx.skip();
      // A crash mid-send: the notification is claimed (sending) by instance test-b, which then dies.
      await outboxStore.insert({ id: `crash-${name}`, channel: 'ops', kind: 'slack', event: 'approval.requested', subject: 'left in flight', body: { text: 'left in flight' }, createdAt: new Date().toISOString() });
      const claimed = await outboxStore.claimDue(new Date(Date.now() + 1000), 'test-b', 1000);
      expect(claimed.map((c) => c.id)).toContain(`crash-${name}`);
      make(resolver(), 5, 'test-b'); // the restarted instance
      expect(await settled('left in flight')).toMatchObject({ status: 'sent', attempts: 1 });
      expect(logs.some((l) => /resuming \d+ notification/.test(l))).toBe(true);
    });
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-outbox-'));
outboxContract('DuckDB', () => openDuckDBStore(path.join(dir, 'state.duckdb')), async () => fs.rmSync(dir, { recursive: true, force: true }), () => null);

let pgSkip: string | null = null;
const schema = scratchSchema();
beforeAll(async () => {
  pgSkip = await postgresUnavailable();
});
outboxContract('PostgreSQL', () => openPostgresStore(postgresUrl(), schema), () => dropSchema(schema), () => pgSkip);
