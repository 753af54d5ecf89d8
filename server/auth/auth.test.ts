import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { parseConfig } from '../config';
import { createAuthenticator } from './index';
import type { Authenticator } from './types';

/** A request as the authenticator sees it: headers and the peer address. */
function req(headers: Record<string, string>, remoteAddress = '127.0.0.1'): http.IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as http.IncomingMessage;
}

describe('proxy mode', () => {
  const config = parseConfig(
    'environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: x.duckdb}\nauth:\n  mode: proxy\n  trustedProxies: [10.1.0.0/16, "::1/128"]\n  roleMap: {sit: [service-team], leads: [approver]}\n',
    'x.yaml',
  );
  const auth = createAuthenticator(config.auth);

  it('takes user, name and groups from the proxy headers and maps groups to roles', async () => {
    await expect(auth.authenticate(req({ 'x-forwarded-user': 'dana', 'x-forwarded-groups': 'sit,leads,other', 'x-forwarded-preferred-username': 'Dana O.' }, '10.1.2.3'))).resolves.toEqual({
      user: 'dana', displayName: 'Dana O.', roles: ['approver', 'service-team'], groups: ['sit', 'leads', 'other'],
    });
    await expect(auth.authenticate(req({ 'x-forwarded-user': 'dana' }, '::1'))).resolves.toMatchObject({ roles: [] });
  });

  it('canonicalises the user name (trim, NFC, lower case) and keeps the spelling as the display name', async () => {
    await expect(auth.authenticate(req({ 'x-forwarded-user': '  OSKAR.OnCall ' }, '10.1.2.3'))).resolves.toMatchObject({ user: 'oskar.oncall', displayName: 'OSKAR.OnCall' });
    // "é" composed and decomposed are one user.
    const composed = await auth.authenticate(req({ 'x-forwarded-user': 'Ren\u00e9' }, '10.1.2.3'));
    const decomposed = await auth.authenticate(req({ 'x-forwarded-user': 'Rene\u0301' }, '10.1.2.3'));
    expect(decomposed.user).toBe(composed.user);
  });

  it('refuses the same headers from an address that is not a trusted proxy', async () => {
    await expect(auth.authenticate(req({ 'x-forwarded-user': 'dana', 'x-forwarded-groups': 'leads' }, '10.2.0.1'))).rejects.toThrow(/not a trusted proxy/);
    await expect(auth.authenticate(req({ 'x-forwarded-user': 'dana' }, '::ffff:192.168.1.5'))).rejects.toThrow(/not a trusted proxy/);
  });

  it('refuses a trusted request without a user header', async () => {
    await expect(auth.authenticate(req({}, '10.1.0.9'))).rejects.toThrow(/no x-forwarded-user header/);
  });
});

describe('oidc mode', () => {
  let jwksServer: http.Server;
  let issuer: string;
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;
  let auth: Authenticator;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey as CryptoKey;
    otherKey = (await generateKeyPair('ES256')).privateKey as CryptoKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwksServer = http.createServer((r, res) => {
      if (r.url === '/.well-known/jwks.json') res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] }));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
    const config = parseConfig(
      `environments:\n  prod:\n    production: true\n    connections:\n      warehouse: {kind: duckdb, path: x.duckdb}\nauth:\n  mode: oidc\n  issuer: ${issuer}\n  audience: opsbook\n  rolesClaim: groups\n  clockToleranceSeconds: 30\n  roleMap: {sit: [service-team], managers: [approver], platform-admins: [admin]}\n`,
      'x.yaml',
    );
    auth = createAuthenticator(config.auth);
  });
  afterAll(() => new Promise((r) => jwksServer.close(r)));

  const token = (claims: Record<string, unknown> = {}, opts: { key?: CryptoKey; exp?: string | number; aud?: string; iss?: string } = {}) =>
    new SignJWT({ groups: ['sit'], name: 'Dana Operator', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('dana')
      .setIssuer(opts.iss ?? issuer)
      .setAudience(opts.aud ?? 'opsbook')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '10m')
      .sign(opts.key ?? privateKey);

  it('accepts a valid token and maps its groups to roles', async () => {
    await expect(auth.authenticate(req({ authorization: `Bearer ${await token({ groups: ['sit', 'managers'] })}` }))).resolves.toEqual({
      user: 'dana', displayName: 'Dana Operator', roles: ['approver', 'service-team'], groups: ['sit', 'managers'], expiresAt: expect.any(Number),
    });
  });

  it("remembers the token's exp (plus the clock tolerance), so the socket can end with it", async () => {
    const exp = Math.floor(Date.now() / 1000) + 300;
    await expect(auth.authenticate(req({ authorization: `Bearer ${await token({}, { exp })}` }))).resolves.toMatchObject({ expiresAt: (exp + 30) * 1000 });
  });

  it('accepts the token from the cookie, for the browser socket upgrade', async () => {
    await expect(auth.authenticate(req({ cookie: `a=b; opsbook_token=${await token()}` }))).resolves.toMatchObject({ user: 'dana' });
  });

  it('refuses a missing token', async () => {
    await expect(auth.authenticate(req({}))).rejects.toThrow(/no bearer token/);
  });
  it('refuses a token signed by another key (forged)', async () => {
    await expect(auth.authenticate(req({ authorization: `Bearer ${await token({}, { key: otherKey })}` }))).rejects.toThrow(/not signed by the configured issuer/);
  });
  it('refuses an expired token, beyond the clock tolerance', async () => {
    const expired = await token({}, { exp: Math.floor(Date.now() / 1000) - 120 });
    await expect(auth.authenticate(req({ authorization: `Bearer ${expired}` }))).rejects.toThrow(/expired/);
  });
  it('accepts a token expired within the clock tolerance', async () => {
    const recent = await token({}, { exp: Math.floor(Date.now() / 1000) - 10 });
    await expect(auth.authenticate(req({ authorization: `Bearer ${recent}` }))).resolves.toMatchObject({ user: 'dana' });
  });
  it('refuses a token for another audience or from another issuer', async () => {
    await expect(auth.authenticate(req({ authorization: `Bearer ${await token({}, { aud: 'other-app' })}` }))).rejects.toThrow(/refused/);
    await expect(auth.authenticate(req({ authorization: `Bearer ${await token({}, { iss: 'https://evil.example' })}` }))).rejects.toThrow(/refused/);
  });
  it('refuses garbage', async () => {
    await expect(auth.authenticate(req({ authorization: 'Bearer not.a.jwt' }))).rejects.toThrow(/could not be verified|refused/);
  });
});

describe('demo mode', () => {
  it('is refused when an environment is production', () => {
    expect(() => parseConfig('environments:\n  prod:\n    production: true\n    connections:\n      warehouse: {kind: duckdb, path: x.duckdb}\n', 'x.yaml')).toThrow(/demo identities cannot be used with production environments \(prod\)/);
  });
  it('switches identity by cookie and falls back to the operator', async () => {
    const auth = createAuthenticator({ mode: 'demo' });
    await expect(auth.authenticate(req({ cookie: 'opsbook_demo_user=imani.manager' }))).resolves.toMatchObject({ roles: ['approver'] });
    await expect(auth.authenticate(req({ cookie: 'opsbook_demo_user=nobody' }))).resolves.toMatchObject({ user: 'dana.operator' });
  });
});
