/**
 * The demo's Slack: incoming webhooks at this server's own /demo/slack/services/<channel>, one for every
 * channel, that take a post as Slack does (JSON with text and/or blocks; 400 invalid_payload or no_text
 * otherwise) and keep the latest posts, readable at GET /demo/slack/messages — there is no real Slack to
 * post to on demo, and an operator can still see what an escalation step sent.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

export interface DemoSlackPost {
  readonly channel: string;
  readonly text: string | null;
  readonly blocks: readonly unknown[] | null;
  readonly at: string;
}

export interface DemoSlack {
  readonly router: express.Router;
  readonly posts: readonly DemoSlackPost[];
  endpoint(server: http.Server): { webhookUrl: (channel: string) => string; opsbookUrl: string };
}

const KEEP = 200;

export function demoSlack(deps: { log: (m: string) => void; now?: () => Date }): DemoSlack {
  const posts: DemoSlackPost[] = [];
  const router = express.Router();
  router.post('/services/:channel', express.text({ type: '*/*', limit: '64kb' }), (req, res) => {
    let body: unknown;
    try {
      body = JSON.parse(typeof req.body === 'string' ? req.body : '');
    } catch {
      return void res.status(400).type('text/plain').send('invalid_payload');
    }
    const m = body && typeof body === 'object' ? (body as Record<string, unknown>) : null;
    const text = typeof m?.text === 'string' && m.text.trim() ? m.text : null;
    const blocks = Array.isArray(m?.blocks) && m.blocks.length > 0 ? (m.blocks as unknown[]) : null;
    if (!m || (m.text !== undefined && typeof m.text !== 'string')) return void res.status(400).type('text/plain').send('invalid_payload');
    if (blocks?.some((b) => !b || typeof b !== 'object' || typeof (b as Record<string, unknown>).type !== 'string')) return void res.status(400).type('text/plain').send('invalid_blocks');
    if (!text && !blocks) return void res.status(400).type('text/plain').send('no_text');
    posts.push({ channel: `#${req.params.channel}`, text, blocks, at: (deps.now?.() ?? new Date()).toISOString() });
    if (posts.length > KEEP) posts.shift();
    deps.log(`demo Slack: #${req.params.channel} got a post`);
    res.type('text/plain').send('ok');
  });
  router.get('/messages', (_req, res) => void res.json({ messages: posts }));
  return {
    router,
    posts,
    endpoint(server) {
      const port = (server.address() as AddressInfo | null)?.port;
      if (!port) throw new Error('the server is not listening yet');
      const base = `http://127.0.0.1:${port}`;
      return { webhookUrl: (channel) => `${base}/demo/slack/services/${encodeURIComponent(channel.replace(/^#/, ''))}`, opsbookUrl: base };
    },
  };
}
