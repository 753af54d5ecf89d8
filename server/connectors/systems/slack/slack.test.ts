/**
 * Slack blocks against the incoming-webhook contract fake of server/notifications/testing (it validates every
 * post as Slack documents: JSON text and/or blocks, 400 invalid_payload, 404 no_service, 429 Retry-After):
 * a dry run posts nothing, the channel picks its webhook, the post links back to the runbook step, a 429 is
 * waited out, and Slack's refusals say what to fix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCommand } from '../../../../plugins/remark-runbook/syntax/systems/grammar';
import { SLACK_GRAMMAR } from '../../../../plugins/remark-runbook/syntax/systems/slack';
import { parseConfig } from '../../../config';
import { SlackWebhookReceiver } from '../../../notifications/testing/slackReceiver';
import type { ServerMessage } from '../../../protocol';
import { output } from '../../airflow/execute/channel';
import type { RunSource } from '../../types';
import { grid } from '../grid';
import { createSlackPoster, runSlack, type OpenSlack } from './index';

const receiver = new SlackWebhookReceiver();
let base: string;
const sleeps: number[] = [];
const source: RunSource = { runbook: 'ecomm-data-pipeline', snippet: 'ecomm-data-pipeline/notify-data-eng', runId: 'run-1', user: 'alice', env: 'prod', page: '/ecommerce/daily-run#escalate-p1' };

beforeAll(async () => {
  base = await receiver.start();
});
afterAll(async () => receiver.close());

function open(channels: Record<string, string>, opsbookUrl?: string): OpenSlack {
  return { poster: createSlackPoster({ sleep: async (ms) => void sleeps.push(ms) }), webhook: (c) => channels[c] ?? null, channels: Object.keys(channels), ...(opsbookUrl ? { opsbookUrl } : {}) };
}

async function post(o: OpenSlack, text: string, preview = false) {
  const resolved = resolveCommand(SLACK_GRAMMAR, text, { d: { type: 'date', value: '2026-12-01' } });
  if (!resolved.ok) throw new Error(resolved.message);
  const messages: ServerMessage[] = [];
  const channel = { send: (m: ServerMessage) => void messages.push(m), rows: async (batch: readonly (readonly unknown[])[]) => void messages.push({ type: 'rows', id: 'x', rows: batch as never }) };
  const result = await runSlack(o, resolved.command, { out: output(channel, 'x', 100), grid: grid(channel, 'x', 100), signal: new AbortController().signal, preview, maxRows: 100, source });
  return { result, rows: messages.flatMap((m) => (m.type === 'rows' ? m.rows : [])), logs: messages.flatMap((m) => (m.type === 'log' ? [m.text] : [])).join('') };
}

describe('slack blocks', () => {
  it('preview the message without posting it', async () => {
    const before = receiver.requests.length;
    const { rows, logs } = await post(open({ '#data-eng': `${base}${receiver.path}` }, 'https://opsbook.internal'), 'slack post --channel "#data-eng" --text "P1: no KPIs for {{d}}"', true);
    expect(rows).toEqual([['#data-eng', 'P1: no KPIs for 2026-12-01\nhttps://opsbook.internal/ecommerce/daily-run#escalate-p1', 'https://opsbook.internal/ecommerce/daily-run#escalate-p1', false]]);
    expect(logs).toBe('Dry run: confirming would post to #data-eng (through its incoming webhook):\n  P1: no KPIs for 2026-12-01\n  <https://opsbook.internal/ecommerce/daily-run#escalate-p1|Open the runbook step> · Posted from Opsbook by alice (runbook ecomm-data-pipeline, prod, run run-1)\nNothing was posted.\n');
    expect(receiver.requests.length).toBe(before);
  });

  it("post through the channel's webhook, with a link back to the runbook step and who ran it", async () => {
    const { rows } = await post(open({ '#data-eng': `${base}${receiver.path}` }, 'https://opsbook.internal/'), 'slack post --channel data-eng --text "P1: no KPIs for {{d}}"');
    expect(rows[0]![3]).toBe(true);
    const sent = receiver.messages.at(-1)!;
    expect(sent.text).toBe('P1: no KPIs for 2026-12-01\nhttps://opsbook.internal/ecommerce/daily-run#escalate-p1');
    expect(sent.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: 'P1: no KPIs for 2026-12-01' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: '<https://opsbook.internal/ecommerce/daily-run#escalate-p1|Open the runbook step> · Posted from Opsbook by alice (runbook ecomm-data-pipeline, prod, run run-1)' }] },
    ]);
  });

  it('wait out a 429 for its Retry-After', async () => {
    sleeps.length = 0;
    receiver.rateLimitNext(1, 3);
    const { logs } = await post(open({ '#data-eng': `${base}${receiver.path}` }), 'slack post --channel "#data-eng" --text "retry"');
    expect(sleeps).toEqual([3000]);
    expect(logs).toContain('Slack: posted to #data-eng.');
    expect(receiver.messages.at(-1)!.text).toBe('retry\n/ecommerce/daily-run#escalate-p1');
  });

  it("say what to fix when Slack refuses, or the channel has no webhook", async () => {
    await expect(post(open({ '#data-eng': `${base}/services/T0/B0/removed` }), 'slack post --channel "#data-eng" --text x')).rejects.toMatchObject({ code: 'connector_error', message: 'Slack refused the post: Slack has no such webhook (no_service): it was removed or its app uninstalled.', hint: expect.stringMatching(/new incoming webhook/) });
    receiver.failNext(1, 400, 'invalid_payload');
    await expect(post(open({ '#data-eng': `${base}${receiver.path}` }), 'slack post --channel "#data-eng" --text x')).rejects.toMatchObject({ message: 'Slack refused the post: Slack could not read the message (invalid_payload).', hint: 'Nothing was posted; fix the block and post again.' });
    await expect(post(open({ '#data-eng': `${base}${receiver.path}` }), 'slack post --channel "#ops" --text x')).rejects.toMatchObject({ message: 'The Slack connection has no incoming webhook for #ops.', hint: expect.stringMatching(/Add "#ops": .* \(it has #data-eng\)/) });
  });
});

describe('Slack connections in the configuration', () => {
  const withSlack = (s: string) => `environments:\n  dev:\n    connections:\n      warehouse: {kind: duckdb, path: w.duckdb}\n      slack: ${s}\n`;
  it('take one incoming webhook per channel from ${ENV}', () => {
    const config = parseConfig(withSlack('{kind: slack, channels: {"#data-eng": "${SLACK_DATA_ENG_WEBHOOK_URL}"}, opsbookUrl: "https://opsbook.internal"}'), 'c.yaml', { SLACK_DATA_ENG_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x' });
    expect(config.environments.dev!.connections.slack).toEqual({ kind: 'slack', demo: false, channels: { '#data-eng': 'https://hooks.slack.com/services/T/B/x' }, opsbookUrl: 'https://opsbook.internal' });
  });
  it('say how to write what is missing', () => {
    expect(() => parseConfig(withSlack('{kind: slack}'), 'c.yaml')).toThrow(/slack\.channels: set channels: \{"#data-eng": "\$\{SLACK_DATA_ENG_WEBHOOK_URL\}"\}/);
    expect(() => parseConfig(withSlack('{kind: slack, channels: {"data-eng": "https://hooks.slack.com/x"}}'), 'c.yaml')).toThrow(/a channel is named as in Slack, with its #/);
  });
});
