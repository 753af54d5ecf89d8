/**
 * `alerts:` in opsbook.config.yaml: the channels a check's state changes go to, and the routes that pick
 * them per runbook, system or owner. Secrets (webhook URLs, routing keys) only as ${ENV} references.
 */
import * as z from 'zod';

const channelName = z.string().regex(/^[A-Za-z_][\w-]*$/, 'use letters, digits, _ or -');

const slackChannel = z.strictObject({
  kind: z.literal('slack'),
  /** The incoming webhook URL (https://hooks.slack.com/services/…): write "${SLACK_WEBHOOK_URL}". */
  url: z.url(),
});

const pagerdutyChannel = z.strictObject({
  kind: z.literal('pagerduty'),
  /** The 32-character Integration Key of an Events API v2 integration: write "${PD_ROUTING_KEY}". */
  routingKey: z.string().length(32, 'a PagerDuty routing key (Integration Key) has 32 characters'),
  /** Default https://events.pagerduty.com/v2/enqueue (EU accounts: https://events.eu.pagerduty.com/v2/enqueue). */
  url: z.url().default('https://events.pagerduty.com/v2/enqueue'),
});

const webhookChannel = z.strictObject({
  kind: z.literal('webhook'),
  url: z.url(),
  /** Extra request headers, e.g. {Authorization: "Bearer ${HOOK_TOKEN}"}. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string()).default({}),
});

export const alertChannelSchema = z.discriminatedUnion('kind', [slackChannel, pagerdutyChannel, webhookChannel]);
export type AlertChannelConfig = z.infer<typeof alertChannelSchema>;

/** The lowest verdict a route notifies for: `warn` (warn and error) or `error` (error only, e.g. paging). */
const minimum = z.enum(['warn', 'error']).default('warn');

const routeSchema = z
  .strictObject({
    runbook: z.string().min(1).optional(),
    system: z.string().min(1).optional(),
    owner: z.string().min(1).optional(),
    channels: z.array(channelName).min(1),
    minimum,
  })
  .refine((r) => [r.runbook, r.system, r.owner].filter((v) => v !== undefined).length === 1, 'give exactly one of runbook, system or owner');
export type AlertRoute = z.infer<typeof routeSchema>;

export const alertsSchema = z
  .strictObject({
    channels: z.record(channelName, alertChannelSchema).default({}),
    /** Every matching route's channels are notified; a check no route matches goes to `default`. */
    routes: z.array(routeSchema).default([]),
    default: z.array(channelName).default([]),
    /** Delivery: attempts per notification and the backoff between them (doubling, capped). */
    maxAttempts: z.number().int().min(1).max(50).default(8),
    retryBaseMs: z.number().int().min(10).max(600_000).default(2_000),
    retryMaxMs: z.number().int().min(100).max(6 * 3600_000).default(600_000),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .superRefine((a, ctx) => {
    const known = new Set(Object.keys(a.channels));
    const check = (names: readonly string[], path: (string | number)[]) => {
      names.forEach((n, i) => {
        if (!known.has(n)) ctx.addIssue({ code: 'custom', path: [...path, i], message: `no channel "${n}" under alerts.channels (defined: ${[...known].join(', ') || 'none'})` });
      });
    };
    a.routes.forEach((r, i) => check(r.channels, ['routes', i, 'channels']));
    check(a.default, ['default']);
  });
export type AlertsConfig = z.infer<typeof alertsSchema>;
export const ALERTS_DEFAULT: AlertsConfig = alertsSchema.parse({});
