/**
 * Contract fake of the PagerDuty Events API v2 (`POST /v2/enqueue`), written from PagerDuty's documentation:
 * `routing_key` (32 characters) and `event_action` (trigger | acknowledge | resolve) are required; a trigger
 * needs `payload.summary` (≤ 1024 characters), `payload.source` and `payload.severity` (critical | error |
 * warning | info); `dedup_key` ≤ 255 characters, required to acknowledge or resolve; `links[].href` required.
 * Answers 202 `{status: "success", message: "Event processed", dedup_key}` or 400 `{status: "invalid event",
 * message: "Event object is invalid", errors: […]}`; 429 / 5xx on demand. Keeps the alerts it would have open.
 */
import { randomUUID } from 'node:crypto';
import { ContractReceiver, isObject, parseJson, type Answer, type Received } from './receiver';

export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger' | 'acknowledge' | 'resolve';
  readonly dedup_key?: string;
  readonly payload?: { summary: string; source: string; severity: string; custom_details?: Record<string, unknown>; [k: string]: unknown };
  readonly links?: readonly { href: string; text?: string }[];
  readonly [k: string]: unknown;
}

const SEVERITIES = ['critical', 'error', 'warning', 'info'];

export class PagerDutyReceiver extends ContractReceiver {
  readonly events: PagerDutyEvent[] = [];
  /** dedup_key → the open alert's last trigger. */
  readonly open = new Map<string, PagerDutyEvent>();

  protected handle(r: Received): Answer {
    if (r.path !== '/v2/enqueue') return { status: 404, body: JSON.stringify({ status: 'not found' }), contentType: 'application/json' };
    const parsed = parseJson(r.raw);
    if (!parsed.ok || !isObject(parsed.value)) return invalid(['Event object is not valid JSON']);
    const e = parsed.value;
    const errors: string[] = [];
    if (typeof e.routing_key !== 'string') errors.push("'routing_key' is missing or blank");
    else if (e.routing_key.length !== 32) errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
    if (!['trigger', 'acknowledge', 'resolve'].includes(String(e.event_action))) errors.push("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)");
    if (e.dedup_key !== undefined && (typeof e.dedup_key !== 'string' || e.dedup_key.length > 255)) errors.push("'dedup_key' must be a string of at most 255 characters");
    if (e.event_action === 'trigger') {
      const p = e.payload;
      if (!isObject(p)) errors.push("'payload' is missing");
      else {
        if (typeof p.summary !== 'string' || p.summary.trim() === '') errors.push("'payload.summary' is missing or blank");
        else if (p.summary.length > 1024) errors.push("'payload.summary' must be at most 1024 characters");
        if (typeof p.source !== 'string' || p.source.trim() === '') errors.push("'payload.source' is missing or blank");
        if (!SEVERITIES.includes(String(p.severity))) errors.push("'payload.severity' is invalid (must be one of: critical, error, warning, info)");
        if (p.custom_details !== undefined && !isObject(p.custom_details)) errors.push("'payload.custom_details' must be an object");
      }
    } else if (typeof e.dedup_key !== 'string' || e.dedup_key === '') errors.push(`'dedup_key' is required to ${String(e.event_action)}`);
    if (e.links !== undefined && (!Array.isArray(e.links) || e.links.some((l) => !isObject(l) || typeof l.href !== 'string'))) errors.push("'links' must be objects with an 'href'");
    if (errors.length) return invalid(errors);
    const event = e as unknown as PagerDutyEvent;
    const dedup = event.dedup_key ?? randomUUID().replaceAll('-', '');
    this.events.push(event);
    if (event.event_action === 'trigger') this.open.set(dedup, event);
    if (event.event_action === 'resolve') this.open.delete(dedup);
    return { status: 202, contentType: 'application/json', body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: dedup }) };
  }
}

function invalid(errors: string[]): Answer {
  return { status: 400, contentType: 'application/json', body: JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors }) };
}
