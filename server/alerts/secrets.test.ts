/**
 * Notification secrets in opsbook.config.yaml only as ${ENV} references: a literal Slack webhook URL,
 * PagerDuty routing key or webhook auth header stops the start, naming the line to write instead.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config';

const minimal = 'environments: {demo: {connections: {warehouse: {kind: duckdb, path: x.duckdb}}}}\n';
const KEY = 'a'.repeat(32);

function problemsOf(yaml: string, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    parseConfig(`${minimal}${yaml}`, 'opsbook.config.yaml', env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('notification secrets in the configuration', () => {
  it('refuses a literal Slack webhook URL and says which variable to write', () => {
    expect(problemsOf('alerts:\n  channels:\n    ops: {kind: slack, url: "https://hooks.slack.com/services/T000/B000/XXXXXXXX"}\n')).toEqual([
      'alerts.channels.ops.url: a Slack incoming webhook URL (anyone holding it can post to the channel) is a secret and must not be written into the configuration; write url: "${OPS_SLACK_WEBHOOK_URL}" and export OPS_SLACK_WEBHOOK_URL before starting the server.',
    ]);
  });

  it('refuses a literal PagerDuty routing key', () => {
    const problems = problemsOf(`alerts:\n  channels:\n    pager: {kind: pagerduty, routingKey: ${KEY}}\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^alerts\.channels\.pager\.routingKey: a PagerDuty routing key .* write routingKey: "\$\{PAGER_PD_ROUTING_KEY\}" and export PAGER_PD_ROUTING_KEY/);
  });

  it('refuses literal auth headers and credentials in a webhook URL, and lets other headers be', () => {
    const problems = problemsOf(
      'alerts:\n  channels:\n    hook: {kind: webhook, url: "https://hooks.internal/in?token=abc", headers: {Authorization: "Bearer abc123", X-Api-Key: k, X-Team: data-ops}}\n',
    );
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^alerts\.channels\.hook\.url: a webhook URL with a password or a token in it .* write url: "\$\{HOOK_WEBHOOK_URL\}"/);
    expect(problems[1]).toMatch(/^alerts\.channels\.hook\.headers\.Authorization: the Authorization header .* write Authorization: "Bearer \$\{HOOK_WEBHOOK_TOKEN\}"/);
    expect(problems[2]).toMatch(/^alerts\.channels\.hook\.headers\.X-Api-Key: the X-Api-Key header .* write X-Api-Key: "\$\{HOOK_WEBHOOK_X_API_KEY\}"/);
  });

  it('refuses the approvals Slack webhook URL written as a literal', () => {
    expect(problemsOf('notifications: {slackWebhookUrl: "https://hooks.slack.com/services/T/B/X"}\n')[0]).toMatch(/^notifications\.slackWebhookUrl: a Slack incoming webhook URL is a secret/);
  });

  it('accepts every secret as a reference, and expands it', () => {
    const config = parseConfig(
      `${minimal}alerts:\n  channels:\n    ops: {kind: slack, url: "\${SLACK_URL}"}\n    pager: {kind: pagerduty, routingKey: "\${PD_KEY}"}\n    hook: {kind: webhook, url: "https://hooks.internal/in", headers: {Authorization: "Bearer \${HOOK_TOKEN}", X-Team: data-ops}}\n  default: [ops]\n`,
      'opsbook.config.yaml',
      { SLACK_URL: 'https://hooks.slack.com/services/T/B/X', PD_KEY: KEY, HOOK_TOKEN: 'abc' },
    );
    expect(config.alerts.channels).toMatchObject({
      ops: { url: 'https://hooks.slack.com/services/T/B/X' },
      pager: { routingKey: KEY },
      hook: { headers: { Authorization: 'Bearer abc', 'X-Team': 'data-ops' } },
    });
  });
});
