/**
 * PagerDuty blocks against the Events API v2 contract fake of server/notifications/testing (it validates every
 * event as PagerDuty documents): a dry run sends nothing, trigger / acknowledge / resolve share a dedup key,
 * a 429 is waited out for its Retry-After, and a refused event says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PagerDutyReceiver } from '../../../notifications/testing/pagerdutyReceiver';
import { checkCommand, resolveCommand } from '../../../../plugins/remark-runbook/syntax/systems/grammar';
import { PAGERDUTY_GRAMMAR } from '../../../../plugins/remark-runbook/syntax/systems/pagerduty';
import type { ServerMessage } from '../../../protocol';
import { output } from '../../airflow/execute/channel';
import { grid } from '../grid';
import { createPagerDutySender, runPagerDuty, type PagerDutySender } from './index';

const KEY = 'R0UT1NGKEY0123456789abcdef012345';
const receiver = new PagerDutyReceiver();
let sender: PagerDutySender;
const sleeps: number[] = [];

beforeAll(async () => {
  const url = await receiver.start();
  sender = createPagerDutySender({ url, sleep: async (ms) => void sleeps.push(ms) });
});
afterAll(async () => receiver.close());

async function page(text: string, preview = false, binds = {}) {
  const resolved = resolveCommand(PAGERDUTY_GRAMMAR, text, binds);
  if (!resolved.ok) throw new Error(resolved.message);
  const messages: ServerMessage[] = [];
  const channel = { send: (m: ServerMessage) => void messages.push(m), rows: async (batch: readonly (readonly unknown[])[]) => void messages.push({ type: 'rows', id: 'x', rows: batch as never }) };
  const result = await runPagerDuty(sender, KEY, resolved.command, { out: output(channel, 'x', 100), grid: grid(channel, 'x', 100), signal: new AbortController().signal, preview, maxRows: 100 });
  return { result, rows: messages.flatMap((m) => (m.type === 'rows' ? m.rows : [])), logs: messages.flatMap((m) => (m.type === 'log' ? [m.text] : [])).join('') };
}

describe('pagerduty blocks', () => {
  it('are writes in the Events API words, checked at build time', () => {
    expect(checkCommand(PAGERDUTY_GRAMMAR, 'pagerduty trigger --summary "DailyRefresh failed" --severity critical --source ecomm-pipeline --dedup-key ecomm-2026-12-01')).toEqual({ command: 'trigger', write: true });
    expect(checkCommand(PAGERDUTY_GRAMMAR, 'pagerduty resolve --dedup-key ecomm-2026-12-01')).toEqual({ command: 'resolve', write: true });
    expect(checkCommand(PAGERDUTY_GRAMMAR, 'pagerduty trigger --summary x --severity sev1 --source s')).toMatchObject({ error: expect.stringMatching(/"sev1" is not a PagerDuty severity: critical, error, warning, info/) });
    expect(checkCommand(PAGERDUTY_GRAMMAR, 'pagerduty acknowledge')).toMatchObject({ error: 'pagerduty acknowledge needs --dedup-key.' });
  });

  it('preview the event without sending it, and without the routing key', async () => {
    const before = receiver.requests.length;
    const { rows, logs } = await page('pagerduty trigger --summary "DailyRefresh failed for {{d}}" --severity critical --source ecomm-pipeline --dedup-key ecomm-{{d}}', true, { d: { type: 'date', value: '2026-12-01' } });
    expect(rows).toEqual([['trigger', 'ecomm-2026-12-01', 'DailyRefresh failed for 2026-12-01', 'critical', 'ecomm-pipeline', false]]);
    expect(logs).toMatch(/Dry run: confirming would send this event[\s\S]*"summary": "DailyRefresh failed for 2026-12-01"[\s\S]*Nothing was sent\./);
    expect(logs).not.toContain(KEY);
    expect(receiver.requests.length).toBe(before);
  });

  it('trigger, acknowledge and resolve one alert by its dedup key', async () => {
    await page('pagerduty trigger --summary "DailyRefresh failed" --severity error --source ecomm-pipeline --dedup-key ecomm-x --component dbt');
    expect(receiver.open.get('ecomm-x')).toMatchObject({ routing_key: KEY, payload: { summary: 'DailyRefresh failed', severity: 'error', source: 'ecomm-pipeline', component: 'dbt' } });
    const ack = await page('pagerduty acknowledge --dedup-key ecomm-x');
    expect(ack.rows[0]).toEqual(['acknowledge', 'ecomm-x', null, null, null, true]);
    await page('pagerduty resolve --dedup-key ecomm-x');
    expect(receiver.open.has('ecomm-x')).toBe(false);
    expect(receiver.events.map((e) => e.event_action)).toEqual(['trigger', 'acknowledge', 'resolve']);
  });

  it('waits out a 429 for its Retry-After', async () => {
    sleeps.length = 0;
    receiver.rateLimitNext(1, 4);
    const { logs } = await page('pagerduty resolve --dedup-key ecomm-y');
    expect(sleeps).toEqual([4000]);
    expect(logs).toMatch(/PagerDuty: Event processed \(resolve, dedup key ecomm-y\)/);
  });

  it('says which fields PagerDuty refused', async () => {
    const short = await runPagerDuty(sender, 'too-short', resolveOk('pagerduty resolve --dedup-key z'), ctxFor()).catch((e: Error & { code?: string }) => e);
    expect(short).toMatchObject({ code: 'connector_error', message: expect.stringMatching(/PagerDuty refused the event: Length of 'routing_key' is incorrect/) });
  });
});

function resolveOk(text: string) {
  const r = resolveCommand(PAGERDUTY_GRAMMAR, text, {});
  if (!r.ok) throw new Error(r.message);
  return r.command;
}
function ctxFor() {
  const channel = { send: () => undefined, rows: async () => undefined };
  return { out: output(channel, 'x', 10), grid: grid(channel, 'x', 10), signal: new AbortController().signal, preview: false, maxRows: 10 };
}
