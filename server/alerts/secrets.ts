/**
 * Notification secrets only as ${ENV} references. A Slack incoming webhook URL, a PagerDuty routing key
 * and a webhook's auth header each let whoever reads them post into an on-call channel or open incidents,
 * and opsbook.config.yaml lives in git and in support bundles. So the configuration as written (before
 * ${VAR} expansion) must reference them, never hold them: a literal is refused at start, with the line
 * to write instead.
 */

/** `${VAR}` or `${VAR:-default}`, as config.ts expands them. */
const REFERENCE = /\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}/;

/** Header names that carry a credential (Authorization, X-Api-Key, X-Auth-Token, X-Hub-Signature, …). */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie)$|token|secret|key|auth|signature|password/i;

/** Query parameters that carry a credential in a generic webhook URL (?token=…, ?sig=…, ?code=…). */
const SECRET_QUERY = /token|secret|key|sig|auth|password|code/i;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const referenced = (v: string) => REFERENCE.test(v);

/** An environment variable name suggested in the message, from the config path (alerts.channels.ops.url → OPS_URL). */
function suggestion(...parts: string[]): string {
  return parts.join('_').replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toUpperCase();
}

function refuse(path: string, what: string, line: string, variable: string): string {
  return `${path}: ${what} is a secret and must not be written into the configuration; write ${line} and export ${variable} before starting the server.`;
}

/** A URL that carries a password or a credential in its query; unparsable text is left to the schema. */
function urlCarriesSecret(value: string): boolean {
  if (referenced(value)) return false;
  try {
    const u = new URL(value);
    return u.password !== '' || [...u.searchParams.keys()].some((k) => SECRET_QUERY.test(k));
  } catch {
    return false;
  }
}

/** Problems in the raw (unexpanded) configuration: every notification secret written as a literal. */
export function literalSecretProblems(raw: unknown): string[] {
  if (!isRecord(raw)) return [];
  const problems: string[] = [];
  const notifications = raw.notifications;
  if (isRecord(notifications)) {
    const slack = notifications.slackWebhookUrl;
    if (typeof slack === 'string' && !referenced(slack)) {
      problems.push(refuse('notifications.slackWebhookUrl', 'a Slack incoming webhook URL', 'slackWebhookUrl: "${APPROVALS_SLACK_WEBHOOK_URL}"', 'APPROVALS_SLACK_WEBHOOK_URL'));
    }
    const hook = notifications.webhookUrl;
    if (typeof hook === 'string' && urlCarriesSecret(hook)) {
      problems.push(refuse('notifications.webhookUrl', 'a webhook URL with a password or a token in it', 'webhookUrl: "${APPROVALS_WEBHOOK_URL}"', 'APPROVALS_WEBHOOK_URL'));
    }
  }
  const channels = isRecord(raw.alerts) ? raw.alerts.channels : undefined;
  if (!isRecord(channels)) return problems;
  for (const [name, channel] of Object.entries(channels)) {
    if (!isRecord(channel)) continue;
    const at = `alerts.channels.${name}`;
    if (channel.kind === 'slack' && typeof channel.url === 'string' && !referenced(channel.url)) {
      const v = suggestion(name, 'slack_webhook_url');
      problems.push(refuse(`${at}.url`, 'a Slack incoming webhook URL (anyone holding it can post to the channel)', `url: "\${${v}}"`, v));
    }
    if (channel.kind === 'pagerduty' && typeof channel.routingKey === 'string' && !referenced(channel.routingKey)) {
      const v = suggestion(name, 'pd_routing_key');
      problems.push(refuse(`${at}.routingKey`, 'a PagerDuty routing key (anyone holding it can open incidents)', `routingKey: "\${${v}}"`, v));
    }
    if (channel.kind === 'webhook') {
      if (typeof channel.url === 'string' && urlCarriesSecret(channel.url)) {
        const v = suggestion(name, 'webhook_url');
        problems.push(refuse(`${at}.url`, 'a webhook URL with a password or a token in it', `url: "\${${v}}"`, v));
      }
      if (isRecord(channel.headers)) {
        for (const [header, value] of Object.entries(channel.headers)) {
          if (typeof value !== 'string' || !SECRET_HEADER.test(header) || referenced(value)) continue;
          const v = suggestion(name, 'webhook', header === 'Authorization' ? 'token' : header);
          const example = /^authorization$/i.test(header) ? `${header}: "Bearer \${${v}}"` : `${header}: "\${${v}}"`;
          problems.push(refuse(`${at}.headers.${header}`, `the ${header} header`, example, v));
        }
      }
    }
  }
  return problems;
}
