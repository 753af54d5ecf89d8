/**
 * An OIDC identity lasts as long as its token: the socket is closed at `exp` (code 4401, a reason the page
 * acts on), a run after `exp` is refused as `unauthenticated`, and a renewed token opens a new socket.
 * A real JWKS server on loopback, the real app in-process.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app';
import { openDuckDBStore } from '../audit/duckdbStore';
import type { StateStore } from '../audit/types';
import { parseConfig } from '../config';
import { createConnectorRegistry, type ConnectorRegistry } from '../connectors/registry';
import { memoryAuditSink } from '../execution/audit';
import { staticManifestStore } from '../execution/manifestStore';
import type { DoneMessage, ServerMessage } from '../protocol';
import { makeManifest } from '../testing/harness';
import { createAuthenticator } from './index';

let jwks: http.Server;
let privateKey: CryptoKey;
let issuer: string;
let app: App;
let url: string;
let dir: string;
let connectors: ConnectorRegistry;
let store: StateStore;
/** The app's clock: real time unless a test moves it. */
let clockOffsetMs = 0;
const manifest = makeManifest({ 'rb/one': { text: 'select 1 as one' } });

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey as CryptoKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  jwks = http.createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-oidc-'));
  const db = await DuckDBInstance.create(path.join(dir, 'w.duckdb'));
  db.closeSync();
  const config = parseConfig(
    `environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: ${JSON.stringify(path.join(dir, 'w.duckdb'))}}\nauth:\n  mode: oidc\n  issuer: ${issuer}\n  audience: opsbook\n  clockToleranceSeconds: 0\n  roleMap: {sit: [service-team]}\n`,
    'x.yaml',
  );
  connectors = createConnectorRegistry(config, dir);
  store = await openDuckDBStore(path.join(dir, 'state.duckdb'));
  app = createApp({
    config, manifest: staticManifestStore(manifest), connectors, store, audit: memoryAuditSink(), authenticator: createAuthenticator(config.auth),
    log: () => undefined, now: () => new Date(Date.now() + clockOffsetMs),
  });
  await new Promise<void>((r) => app.server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await connectors?.closeAll();
  await store?.close();
  await new Promise((r) => jwks.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

const token = (expiresInSeconds: number) =>
  new SignJWT({ groups: ['sit'], name: 'Dana Operator' })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('dana').setIssuer(issuer).setAudience('opsbook')
    .setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds).sign(privateKey);

/** Opens the socket as the browser does: the token in the opsbook_token cookie. */
function open(jwt: string): Promise<{ ws: WebSocket; messages: ServerMessage[]; closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/ws`, { origin: url, headers: { cookie: `opsbook_token=${jwt}` } });
    const messages: ServerMessage[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as ServerMessage));
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.once('open', () => resolve({ ws, messages, closed }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

async function run(s: { ws: WebSocket; messages: ServerMessage[] }, id: string): Promise<DoneMessage> {
  s.ws.send(JSON.stringify({ type: 'run', id, snippet: 'rb/one', sha256: manifest.snippets['rb/one']!.sha256, env: 'demo', params: {} }));
  await expect.poll(() => s.messages.find((m) => m.type === 'done' && m.id === id), { timeout: 20_000 }).toBeTruthy();
  return s.messages.find((m): m is DoneMessage => m.type === 'done' && m.id === id)!;
}

describe('an OIDC socket whose token expires', () => {
  it('refuses a run after the token expired, with a hint that the page reconnects', async () => {
    const s = await open(await token(600));
    expect(await run(s, 'before')).toMatchObject({ status: 'succeeded' });
    clockOffsetMs = 601_000; // the app's clock passes exp; the socket's close timer (real time) has not fired
    try {
      expect(await run(s, 'after')).toMatchObject({
        status: 'rejected', error: { code: 'unauthenticated', hint: 'Your sign-in expired; the page will reconnect.' },
      });
    } finally {
      clockOffsetMs = 0;
      s.ws.close();
    }
  });

  it('is closed at expiry with code 4401 and a reason; the expired token is refused, a renewed one reconnects', async () => {
    const expiring = await token(3);
    const s = await open(expiring);
    // Waits for the server's close (no fixed sleep): it comes when the token's exp passes.
    expect(await s.closed).toEqual({ code: 4401, reason: 'Your sign-in expired; the page will reconnect.' });
    await expect(open(expiring)).rejects.toThrow(/HTTP 401/);
    const renewed = await open(await token(600));
    expect(await run(renewed, 'renewed')).toMatchObject({ status: 'succeeded' });
    renewed.ws.close();
  }, 30_000);
});
