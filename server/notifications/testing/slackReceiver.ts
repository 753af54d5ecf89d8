/**
 * Contract fake of a Slack incoming webhook, written from Slack's documentation: POST JSON with `text`
 * and/or `blocks`; 200 `ok` on success; 400 `invalid_payload` for a body that is not JSON, 400 `no_text`
 * without text or blocks, 400 `invalid_blocks` for blocks without a `type`; 429 with Retry-After when rate
 * limited (via rateLimitNext). Only the webhook's own path is accepted (404 `no_service` elsewhere).
 */
import { ContractReceiver, isObject, parseJson, type Answer, type Received } from './receiver';

export interface SlackMessage {
  readonly text?: string;
  readonly blocks?: readonly Record<string, unknown>[];
}

export class SlackWebhookReceiver extends ContractReceiver {
  readonly messages: SlackMessage[] = [];
  readonly path = '/services/T0000TEST/B0000TEST/opsbookcontractfake000';

  protected handle(r: Received): Answer {
    if (r.path !== this.path) return { status: 404, body: 'no_service' };
    if (!String(r.headers['content-type'] ?? '').startsWith('application/json')) return { status: 400, body: 'invalid_payload' };
    const parsed = parseJson(r.raw);
    if (!parsed.ok || !isObject(parsed.value)) return { status: 400, body: 'invalid_payload' };
    const m = parsed.value;
    if (m.text !== undefined && typeof m.text !== 'string') return { status: 400, body: 'invalid_payload' };
    if (m.blocks !== undefined && (!Array.isArray(m.blocks) || m.blocks.some((b) => !isObject(b) || typeof b.type !== 'string'))) return { status: 400, body: 'invalid_blocks' };
    const hasText = typeof m.text === 'string' && m.text.trim() !== '';
    const hasBlocks = Array.isArray(m.blocks) && m.blocks.length > 0;
    if (!hasText && !hasBlocks) return { status: 400, body: 'no_text' };
    this.messages.push(m as SlackMessage);
    return { status: 200, body: 'ok' };
  }
}
