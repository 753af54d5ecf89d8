/** `{kind: pagerduty}` connections: a service's Events API v2 integration key, as a ${ENV} reference. */
import * as z from 'zod';

export const pagerdutyConnectionSchema = z.strictObject({
  kind: z.literal('pagerduty'),
  /** The Events API v2 integration's routing key (32 characters). */
  routingKey: z.string().length(32, 'write routingKey: "${PD_ROUTING_KEY}" (the service integration\'s 32-character key)'),
  /** Default https://events.pagerduty.com (EU accounts: https://events.eu.pagerduty.com). */
  url: z.url().default('https://events.pagerduty.com'),
  timeoutMs: z.number().int().positive().max(60_000).optional(),
});

export type PagerDutyConnectionConfig = z.infer<typeof pagerdutyConnectionSchema>;
