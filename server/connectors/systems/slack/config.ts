/**
 * `{kind: slack}` connections: one incoming webhook per channel, by the channel's name as runbooks write it
 * (`"#data-eng": "${SLACK_DATA_ENG_WEBHOOK_URL}"`). An incoming webhook posts to the one channel it was made
 * for, so the channel a block names picks the webhook. `demo: true` posts to the demo's own Slack, which
 * keeps what it received (there is no real Slack on demo).
 */
import * as z from 'zod';

const CHANNEL = /^#[a-z0-9][a-z0-9_-]{0,79}$/;

export const slackConnectionSchema = z
  .strictObject({
    kind: z.literal('slack'),
    demo: z.boolean().default(false),
    channels: z
      .record(
        // Keys are checked below: a record's own key check only says "Invalid key in record".
        z.string(),
        z.url('each channel maps to its incoming webhook URL: "#data-eng": "${SLACK_DATA_ENG_WEBHOOK_URL}"'),
      )
      .optional(),
    /** Opsbook's address as operators open it, so a post links back to the runbook step (e.g. https://opsbook.internal). */
    opsbookUrl: z.url().optional(),
    timeoutMs: z.number().int().positive().max(60_000).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.demo) {
      if (c.channels !== undefined) ctx.addIssue({ code: 'custom', path: ['channels'], message: "a demo Slack connection takes no channels: every channel posts to the demo's own Slack" });
      return;
    }
    for (const name of Object.keys(c.channels ?? {})) {
      if (!CHANNEL.test(name)) ctx.addIssue({ code: 'custom', path: ['channels', name], message: `a channel is named as in Slack, with its #: "#${name.replace(/^#/, '').toLowerCase()}"` });
    }
    if (!c.channels || Object.keys(c.channels).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['channels'], message: 'set channels: {"#data-eng": "${SLACK_DATA_ENG_WEBHOOK_URL}"} (an incoming webhook per channel), or demo: true' });
    }
  });

export type SlackConnectionConfig = z.infer<typeof slackConnectionSchema>;
