/**
 * Approver-role membership in each auth mode: the identity each authenticator establishes (demo cookie,
 * proxy headers, an OIDC token checked against a JWKS on loopback) is a member of exactly the approver roles
 * the configuration gives its user name or groups — the generic `approver` role grants none of them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { parseConfig } from '../config';
import { createAuthenticator } from '../auth';
import { decidersOf, isMember, requiredApprovals } from './membership';

function req(headers: Record<string, string>, remoteAddress = '127.0.0.1'): http.IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as http.IncomingMessage;
}

const ROLES = `approvals:\n  roles:\n    implementation-manager: {users: [Imani.Manager]}\n    data-engineering-on-call: {groups: [de-oncall]}\n`;
const ENV = 'environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: x.duckdb}\n';

describe('demo mode', () => {
  const config = parseConfig(ENV, 'demo.yaml');
  const auth = createAuthenticator(config.auth);
  const as = (user: string) => auth.authenticate(req({ cookie: `opsbook_demo_user=${user}` }));

  it('gives the implementation manager and the on-call engineer different approver roles, so a wrong-role decision is refused', async () => {
    const imani = await as('imani.manager');
    const oskar = await as('oskar.oncall');
    expect(isMember(config, 'implementation-manager', imani)).toBe(true);
    expect(isMember(config, 'data-engineering-on-call', imani)).toBe(false);
    expect(isMember(config, 'data-engineering-on-call', oskar)).toBe(true);
    expect(isMember(config, 'implementation-manager', oskar)).toBe(false);
    // Both hold the generic approver role: that alone decides nothing.
    expect(imani.roles).toContain('approver');
    expect(isMember(config, 'approver', imani)).toBe(false);
    expect(isMember(config, 'implementation-manager', await as('dana.operator'))).toBe(false);
  });

  it('lists the demo people who can decide for a role', () => {
    expect(decidersOf(config, 'pipeline-owner')).toMatchObject({ users: [{ user: 'oskar.oncall', displayName: 'Oskar On-call' }], unconfigured: false });
    expect(decidersOf(config, 'no-such-role')).toMatchObject({ users: [], unconfigured: true });
  });

  it('uses the configured roles instead of the demo table when the configuration names any', async () => {
    const configured = parseConfig(`${ENV}${ROLES}`, 'demo.yaml');
    expect(isMember(configured, 'implementation-manager', await as('imani.manager'))).toBe(true);
    expect(isMember(configured, 'data-engineering-on-call', await as('oskar.oncall'))).toBe(false); // no de-oncall group in the demo
  });
});

describe('proxy mode', () => {
  const config = parseConfig(`${ENV}auth:\n  mode: proxy\n  trustedProxies: [127.0.0.1/32]\n  roleMap: {de-oncall: [approver], managers: [approver]}\n${ROLES}`, 'proxy.yaml');
  const auth = createAuthenticator(config.auth);

  it('makes a user a member by name (canonically) and by the groups header', async () => {
    const imani = await auth.authenticate(req({ 'x-forwarded-user': 'imani.manager', 'x-forwarded-groups': 'managers' }));
    const oskar = await auth.authenticate(req({ 'x-forwarded-user': 'oskar', 'x-forwarded-groups': 'de-oncall' }));
    expect(isMember(config, 'implementation-manager', imani)).toBe(true);
    expect(isMember(config, 'data-engineering-on-call', imani)).toBe(false);
    expect(isMember(config, 'data-engineering-on-call', oskar)).toBe(true);
    expect(isMember(config, 'implementation-manager', oskar)).toBe(false);
  });

  it('does not take a group it was not sent, nor a role that is not configured', async () => {
    const other = await auth.authenticate(req({ 'x-forwarded-user': 'mallory', 'x-forwarded-groups': 'de-oncall-ish,managers' }));
    expect(isMember(config, 'data-engineering-on-call', other)).toBe(false);
    expect(isMember(config, 'metadata-architect', other)).toBe(false);
    expect(decidersOf(config, 'data-engineering-on-call')).toMatchObject({ groups: ['de-oncall'], unconfigured: false });
  });
});

describe('OIDC mode', () => {
  let server: http.Server;
  let privateKey: CryptoKey;
  let issuer = '';
  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey as CryptoKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = http.createServer((_q, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('reads membership from the groups claim and the subject', async () => {
    const config = parseConfig(`${ENV}auth:\n  mode: oidc\n  issuer: ${issuer}\n  audience: opsbook\n  roleMap: {de-oncall: [approver]}\n${ROLES}`, 'oidc.yaml');
    const auth = createAuthenticator(config.auth);
    const token = (sub: string, groups: string[]) =>
      new SignJWT({ groups, name: sub }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject(sub).setIssuer(issuer).setAudience('opsbook').setIssuedAt().setExpirationTime('10m').sign(privateKey);
    const oskar = await auth.authenticate(req({ authorization: `Bearer ${await token('oskar', ['de-oncall'])}` }));
    const imani = await auth.authenticate(req({ authorization: `Bearer ${await token('imani.manager', [])}` }));
    expect(isMember(config, 'data-engineering-on-call', oskar)).toBe(true);
    expect(isMember(config, 'implementation-manager', oskar)).toBe(false);
    expect(isMember(config, 'implementation-manager', imani)).toBe(true);
    expect(isMember(config, 'data-engineering-on-call', imani)).toBe(false);
  });
});

describe('approvals required', () => {
  it('are the environment’s requiredApprovals for writes, one for reads and elsewhere', () => {
    const config = parseConfig(`environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: x.duckdb}\n  prod:\n    production: true\n    requiredApprovals: 2\n    connections:\n      warehouse: {kind: duckdb, path: y.duckdb}\nauth: {mode: proxy, trustedProxies: [127.0.0.1/32], roleMap: {}}\n`, 'x.yaml');
    expect(requiredApprovals(config, 'prod', 'write')).toBe(2);
    expect(requiredApprovals(config, 'prod', 'read')).toBe(1);
    expect(requiredApprovals(config, 'demo', 'write')).toBe(1);
  });
});
