/**
 * The Slack system: `slack run` blocks post through incoming webhooks, one per channel, chosen by the channel
 * the block names. The message is the block's text and a line that links back to the runbook step and names
 * who ran it, in Slack's `blocks` with `text` as the notification fallback. A dry run shows the message and
 * posts nothing; a 429 is retried after its Retry-After through an injected sleep; Slack's refusals
 * (invalid_payload, no_service, channel_is_archived, action_prohibited) say what to fix.
 */
import { SLACK_GRAMMAR } from '../../../../plugins/remark-runbook/syntax/systems/slack';
import { flagValue, type ResolvedCommand } from '../../../../plugins/remark-runbook/syntax/systems/grammar';
import type { ConnectionConfig } from '../../../config';
import { ConnectorError, type RunSource } from '../../types';
import { defineSystem, type SystemResult, type SystemRunContext } from '../types';
import type { SlackConnectionConfig } from './config';
import { cancellableSleep } from '../../cancellableSleep';

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

export interface SlackPoster {
  post(webhookUrl: string, message: SlackMessage, signal: AbortSignal): Promise<void>;
}

/** What Slack's webhook errors mean for the operator, by the body Slack answers with. */
const REFUSALS: Readonly<Record<string, string>> = {
  invalid_payload: 'Slack could not read the message (invalid_payload)',
  no_text: 'Slack found no text in the message (no_text)',
  invalid_blocks: "Slack refused the message's blocks (invalid_blocks)",
  no_service: 'Slack has no such webhook (no_service): it was removed or its app uninstalled',
  no_team: "Slack has no such workspace for this webhook (no_team)",
  channel_not_found: "the webhook's channel no longer exists (channel_not_found)",
  channel_is_archived: "the webhook's channel is archived (channel_is_archived)",
  action_prohibited: 'a workspace admin restricted posting to this channel (action_prohibited)',
  posting_to_general_channel_denied: 'only admins may post to this channel (posting_to_general_channel_denied)',
};

export function createSlackPoster(o: { timeoutMs?: number; sleep?: (ms: number, signal: AbortSignal) => Promise<void>; maxRetries?: number } = {}): SlackPoster {
  const sleep = o.sleep ?? cancellableSleep;
  return {
    async post(webhookUrl, message, signal) {
      for (let attempt = 0; ; attempt++) {
        let res: Response;
        try {
          res = await fetch(webhookUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(message), signal: AbortSignal.any([signal, AbortSignal.timeout(o.timeoutMs ?? 10_000)]) });
        } catch (error) {
          if (signal.aborted) throw new ConnectorError('cancelled', 'Cancelled.');
          throw new ConnectorError('unavailable', `Slack could not be reached: ${(error as Error).message}`, 'Nothing was posted; try again, or post the message by hand.');
        }
        const body = (await res.text()).trim();
        if (res.ok) return;
        if ((res.status === 429 || res.status >= 500) && attempt < (o.maxRetries ?? 3)) {
          const after = Number(res.headers.get('retry-after'));
          await sleep(Number.isFinite(after) && after >= 0 ? after * 1000 : 1000 * (attempt + 1), signal);
          continue;
        }
        const why = REFUSALS[body];
        if (why) throw new ConnectorError('connector_error', `Slack refused the post: ${why}.`, res.status === 400 ? 'Nothing was posted; fix the block and post again.' : "Nothing was posted; ask a Slack admin for a new incoming webhook and put it in the connection's channels.");
        throw new ConnectorError('unavailable', `Slack answered HTTP ${res.status}${body ? ` (${body.slice(0, 100)})` : ''}; the message may not have been posted.`, 'Look in the channel before posting again.');
      }
    },
  };
}

const COLUMNS = [
  { name: 'channel', type: 'VARCHAR' },
  { name: 'text', type: 'VARCHAR' },
  { name: 'link', type: 'VARCHAR' },
  { name: 'posted', type: 'BOOLEAN' },
] as const;

/** The link back to the runbook step, absolute when Opsbook's address is known. */
export function linkOf(source: RunSource | undefined, opsbookUrl: string | undefined): string | null {
  if (!source?.page) return null;
  return opsbookUrl ? `${opsbookUrl.replace(/\/+$/, '')}${source.page}` : source.page;
}

export function messageOf(text: string, source: RunSource | undefined, link: string | null): SlackMessage {
  const from = source ? `Posted from Opsbook by ${source.user} (runbook ${source.runbook}, ${source.env}, run ${source.runId})` : 'Posted from Opsbook';
  // Slack's mrkdwn link form is <url|label>; a bare path is shown as text.
  const where = link ? (/^https?:\/\//.test(link) ? `<${link}|Open the runbook step>` : `Runbook step: ${link}`) : null;
  return {
    text: link ? `${text}\n${link}` : text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: where ? `${where} · ${from}` : from }] },
    ],
  };
}

export interface OpenSlack {
  readonly poster: SlackPoster;
  /** The incoming webhook of each channel the connection knows. */
  readonly webhook: (channel: string) => string | null;
  readonly channels: readonly string[] | null;
  readonly opsbookUrl?: string;
}

export async function runSlack(o: OpenSlack, command: ResolvedCommand, ctx: SystemRunContext): Promise<SystemResult> {
  const raw = flagValue(command, 'channel')!;
  const channel = raw.startsWith('#') ? raw : `#${raw}`;
  const url = o.webhook(channel);
  if (!url) {
    throw new ConnectorError('connector_error', `The Slack connection has no incoming webhook for ${channel}.`, `Add "${channel}": "\${…_WEBHOOK_URL}" under its channels in opsbook.config.yaml${o.channels ? ` (it has ${o.channels.join(', ')})` : ''}.`);
  }
  const link = linkOf(ctx.source, o.opsbookUrl);
  const message = messageOf(flagValue(command, 'text')!, ctx.source, link);
  ctx.grid.columns(COLUMNS);
  if (ctx.preview) {
    await ctx.grid.rows([[channel, message.text, link, false]]);
    // The message as the channel will read it, not the JSON: the operator checks the words, not the payload.
    const footer = (message.blocks[1]?.elements as { text: string }[] | undefined)?.[0]?.text ?? '';
    ctx.out.log(`Dry run: confirming would post to ${channel} (through its incoming webhook):\n  ${flagValue(command, 'text')!}\n  ${footer}\nNothing was posted.`);
    return {};
  }
  await o.poster.post(url, message, ctx.signal);
  await ctx.grid.rows([[channel, message.text, link, true]]);
  ctx.out.log(`Slack: posted to ${channel}.`);
  return {};
}

export const SLACK_SYSTEM = defineSystem<SlackConnectionConfig, OpenSlack>({
  grammar: SLACK_GRAMMAR,
  kind: 'slack',
  isConnection: (c: ConnectionConfig): c is SlackConnectionConfig => c.kind === 'slack',
  async connect(conn, demo) {
    const poster = createSlackPoster(conn.timeoutMs ? { timeoutMs: conn.timeoutMs } : {});
    if (conn.demo) {
      if (!demo.slack) throw new Error('this server has no demo Slack');
      const local = await demo.slack();
      return { poster, webhook: local.webhookUrl, channels: null, ...(local.opsbookUrl ? { opsbookUrl: local.opsbookUrl } : {}) };
    }
    const channels = conn.channels ?? {};
    return { poster, webhook: (c) => (Object.hasOwn(channels, c) ? channels[c]! : null), channels: Object.keys(channels), ...(conn.opsbookUrl ? { opsbookUrl: conn.opsbookUrl } : {}) };
  },
  run: (o, command, ctx) => runSlack(o, command, ctx),
  // A webhook has no read call: any request that reaches it would post. The probe only says what is set.
  probe: async (o) => `incoming webhooks for ${o.channels ? o.channels.join(', ') : 'every channel (demo Slack)'} (not called: any request would post a message)`,
  close: () => undefined,
});
