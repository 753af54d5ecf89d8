/**
 * `slack run` blocks: post an escalation message to a Slack channel through the incoming webhook the
 * connection configures for it — `slack post --channel "#data-eng" --text "DailyRefresh failed for {{d}}"`.
 * A write (the page shows the message first). The webhook URL is the connection's, never the block's: a
 * runbook names the channel as operators do, and Opsbook adds the link back to the runbook step.
 */
import type { SystemGrammar, ValueCheck } from './grammar';

/** Slack channel names: lowercase letters, digits, hyphens and underscores, up to 80 characters. */
const channel: ValueCheck = (v, what) => (/^#?[a-z0-9][a-z0-9_-]{0,79}$/.test(v) ? null : `${what} "${v}" is not a Slack channel name: write it as #data-eng (lowercase letters, digits, - and _).`);
// Slack truncates a message's text beyond 40,000 characters; a runbook's message is a few lines.
const text: ValueCheck = (v, what) => (v.trim().length > 0 && v.length <= 3000 ? null : `${what} must be 1 to 3000 characters.`);

export const SLACK_GRAMMAR: SystemGrammar = {
  lang: 'slack',
  label: 'Slack',
  program: 'slack',
  defaultTarget: 'slack',
  commands: [
    {
      words: ['post'],
      write: true,
      summary: "post a message to a channel through the connection's incoming webhook for it, with a link back to the runbook",
      positionals: [],
      flags: [
        { names: ['--channel'], key: 'channel', takes: 'value', required: true, check: channel },
        { names: ['--text'], key: 'text', takes: 'value', required: true, check: text },
      ],
    },
  ],
};
