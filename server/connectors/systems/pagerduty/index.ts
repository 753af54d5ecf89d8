/**
 * The PagerDuty system: `pagerduty run` blocks send Events API v2 events (POST /v2/enqueue) with the
 * connection's routing key. A dry run shows the event (without the key) and sends nothing; a 429 is retried
 * after its Retry-After through an injected sleep; a 400 says which fields PagerDuty refused.
 */
import { PAGERDUTY_GRAMMAR } from '../../../../plugins/remark-runbook/syntax/systems/pagerduty';
import { flagValue, type ResolvedCommand } from '../../../../plugins/remark-runbook/syntax/systems/grammar';
import type { ConnectionConfig } from '../../../config';
import { ConnectorError } from '../../types';
import { defineSystem, type SystemResult, type SystemRunContext } from '../types';
import type { PagerDutyConnectionConfig } from './config';

export interface PagerDutySender {
  send(event: Record<string, unknown>, signal: AbortSignal): Promise<{ dedupKey: string; message: string }>;
}

export function createPagerDutySender(o: { url: string; timeoutMs?: number; sleep?: (ms: number, signal: AbortSignal) => Promise<void> }): PagerDutySender {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return {
    async send(event, signal) {
      for (let attempt = 0; ; attempt++) {
        let res: Response;
        try {
          res = await fetch(`${o.url.replace(/\/+$/, '')}/v2/enqueue`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event), signal: AbortSignal.any([signal, AbortSignal.timeout(o.timeoutMs ?? 10_000)]) });
        } catch (error) {
          if (signal.aborted) throw new ConnectorError('cancelled', 'Cancelled.');
          throw new ConnectorError('unavailable', `PagerDuty could not be reached: ${(error as Error).message}`, 'Nothing was sent; try again, or page the on-call by phone.');
        }
        const body = (await res.json().catch(() => ({}))) as { status?: string; message?: string; dedup_key?: string; errors?: string[] };
        if (res.status === 202) return { dedupKey: body.dedup_key ?? '', message: body.message ?? 'Event processed' };
        if ((res.status === 429 || res.status >= 500) && attempt < 3) {
          const after = Number(res.headers.get('retry-after'));
          await sleep(Number.isFinite(after) && after >= 0 ? after * 1000 : 1000 * (attempt + 1), signal);
          continue;
        }
        if (res.status === 400) throw new ConnectorError('connector_error', `PagerDuty refused the event: ${(body.errors ?? [body.message ?? 'invalid event']).join('; ')}.`, 'Nothing was paged; fix the block (or the routing key) and send it again.');
        throw new ConnectorError('unavailable', `PagerDuty answered HTTP ${res.status}; the event may not have been received.`, 'Check the service in PagerDuty before sending it again (the same dedup key does not open a second alert).');
      }
    },
  };
}

const COLUMNS = [
  { name: 'event_action', type: 'VARCHAR' },
  { name: 'dedup_key', type: 'VARCHAR' },
  { name: 'summary', type: 'VARCHAR' },
  { name: 'severity', type: 'VARCHAR' },
  { name: 'source', type: 'VARCHAR' },
  { name: 'sent', type: 'BOOLEAN' },
] as const;

export function eventOf(command: ResolvedCommand, routingKey: string): Record<string, unknown> {
  const dedup = flagValue(command, 'dedupKey');
  if (command.name !== 'trigger') return { routing_key: routingKey, event_action: command.name, dedup_key: dedup };
  const optional = (key: string, as: string) => (flagValue(command, key) ? { [as]: flagValue(command, key) } : {});
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    ...(dedup ? { dedup_key: dedup } : {}),
    payload: { summary: flagValue(command, 'summary'), severity: flagValue(command, 'severity'), source: flagValue(command, 'source'), ...optional('component', 'component'), ...optional('group', 'group'), ...optional('class', 'class') },
    client: 'Opsbook',
  };
}

export async function runPagerDuty(sender: PagerDutySender, routingKey: string, command: ResolvedCommand, ctx: SystemRunContext): Promise<SystemResult> {
  const event = eventOf(command, routingKey);
  const payload = (event.payload ?? {}) as Record<string, unknown>;
  ctx.grid.columns(COLUMNS);
  const { routing_key: _key, ...shown } = event;
  if (ctx.preview) {
    await ctx.grid.rows([[command.name, (event.dedup_key as string | undefined) ?? null, (payload.summary as string | undefined) ?? null, (payload.severity as string | undefined) ?? null, (payload.source as string | undefined) ?? null, false]]);
    ctx.out.log(`Dry run: confirming would send this event to PagerDuty (the routing key is the connection's):\n${JSON.stringify(shown, null, 2)}\nNothing was sent.`);
    return {};
  }
  const answer = await sender.send(event, ctx.signal);
  await ctx.grid.rows([[command.name, answer.dedupKey, (payload.summary as string | undefined) ?? null, (payload.severity as string | undefined) ?? null, (payload.source as string | undefined) ?? null, true]]);
  ctx.out.log(`PagerDuty: ${answer.message} (${command.name}, dedup key ${answer.dedupKey}).`);
  return {};
}

export const PAGERDUTY_SYSTEM = defineSystem<PagerDutyConnectionConfig, { sender: PagerDutySender; routingKey: string }>({
  grammar: PAGERDUTY_GRAMMAR,
  kind: 'pagerduty',
  isConnection: (c: ConnectionConfig): c is PagerDutyConnectionConfig => c.kind === 'pagerduty',
  connect: async (conn) => ({ sender: createPagerDutySender({ url: conn.url, ...(conn.timeoutMs ? { timeoutMs: conn.timeoutMs } : {}) }), routingKey: conn.routingKey }),
  run: (o, command, ctx) => runPagerDuty(o.sender, o.routingKey, command, ctx),
  // The Events API has no read call: sending a test event would page someone, so the probe only says what is set.
  probe: async (_o, conn) => `${conn.url}/v2/enqueue with a 32-character routing key (not sent: any event would page the on-call)`,
  close: () => undefined,
});
