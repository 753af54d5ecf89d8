/** The contract fakes answer as the documented services do, so a test that passes against them means something. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PagerDutyReceiver } from './pagerdutyReceiver';
import { SlackWebhookReceiver } from './slackReceiver';

const post = async (url: string, body: string, contentType = 'application/json') => {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  return { status: res.status, text: await res.text(), retryAfter: res.headers.get('retry-after') };
};

describe('the PagerDuty Events v2 contract fake', () => {
  const pd = new PagerDutyReceiver();
  let url = '';
  const key = 'a'.repeat(32);
  beforeAll(async () => {
    url = `${await pd.start()}/v2/enqueue`;
  });
  afterAll(() => pd.close());

  it('accepts a trigger with 202 and the dedup key, and a resolve closes that alert', async () => {
    const trigger = await post(url, JSON.stringify({ routing_key: key, event_action: 'trigger', dedup_key: 'k1', payload: { summary: 's', source: 'src', severity: 'warning' }, links: [{ href: 'http://x/y', text: 't' }] }));
    expect(trigger.status).toBe(202);
    expect(JSON.parse(trigger.text)).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'k1' });
    expect(pd.open.has('k1')).toBe(true);
    expect((await post(url, JSON.stringify({ routing_key: key, event_action: 'resolve', dedup_key: 'k1' }))).status).toBe(202);
    expect(pd.open.has('k1')).toBe(false);
  });

  it('answers 400 "invalid event" for a routing key of the wrong length, missing payload fields or a resolve without dedup key', async () => {
    const short = await post(url, JSON.stringify({ routing_key: 'abc', event_action: 'trigger', payload: { summary: 's', source: 'src', severity: 'error' } }));
    expect(short.status).toBe(400);
    expect(JSON.parse(short.text)).toMatchObject({ status: 'invalid event', errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"] });
    const missing = JSON.parse((await post(url, JSON.stringify({ routing_key: key, event_action: 'trigger', payload: { summary: '', severity: 'bad' } }))).text) as { errors: string[] };
    expect(missing.errors).toEqual(["'payload.summary' is missing or blank", "'payload.source' is missing or blank", "'payload.severity' is invalid (must be one of: critical, error, warning, info)"]);
    expect((await post(url, JSON.stringify({ routing_key: key, event_action: 'resolve' }))).status).toBe(400);
    expect((await post(url, 'not json')).status).toBe(400);
  });

  it('answers 429 with Retry-After when told to', async () => {
    pd.rateLimitNext(1, 7);
    const limited = await post(url, '{}');
    expect([limited.status, limited.retryAfter]).toEqual([429, '7']);
  });
});

describe('the Slack incoming webhook contract fake', () => {
  const slack = new SlackWebhookReceiver();
  let base = '';
  beforeAll(async () => {
    base = await slack.start();
  });
  afterAll(() => slack.close());

  it('answers ok to text or blocks, and the documented errors otherwise', async () => {
    const url = base + slack.path;
    expect(await post(url, JSON.stringify({ text: 'hi' }))).toMatchObject({ status: 200, text: 'ok' });
    expect(await post(url, JSON.stringify({ blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x' } }] }))).toMatchObject({ status: 200, text: 'ok' });
    expect(await post(url, JSON.stringify({}))).toMatchObject({ status: 400, text: 'no_text' });
    expect(await post(url, 'not json')).toMatchObject({ status: 400, text: 'invalid_payload' });
    expect(await post(url, JSON.stringify({ blocks: [{ text: 'no type' }] }))).toMatchObject({ status: 400, text: 'invalid_blocks' });
    expect(await post(`${base}/services/other`, JSON.stringify({ text: 'hi' }))).toMatchObject({ status: 404, text: 'no_service' });
  });
});
