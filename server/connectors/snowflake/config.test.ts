import { describe, expect, it } from 'vitest';
import { snowflakeConnectionSchema } from './config';

const base = { kind: 'snowflake', account: 'xy12345', warehouse: 'OPS_WH', database: 'CDM', read: { user: 'OPS_RO', role: 'OPS_READONLY', password: 'p' } };

function problems(input: unknown): string[] {
  const r = snowflakeConnectionSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('the snowflake connection schema', () => {
  it('accepts password and key-pair profiles, and account identifiers in their usual forms', () => {
    for (const account of ['xy12345', 'xy12345.us-east-1', 'myorg-myaccount', 'MYORG_ACCT']) expect(problems({ ...base, account })).toEqual([]);
    expect(problems({ ...base, schema: 'PUBLIC', accessUrl: 'https://xy12345.privatelink.snowflakecomputing.com', poolMax: 2, write: { user: 'OPS_RW', role: 'OPS_WRITE', privateKeyPath: 'keys/rw.p8', privateKeyPassphrase: 'x' } })).toEqual([]);
    expect(problems({ ...base, write: { user: 'OPS_RW', role: 'OPS_WRITE', privateKey: '-----BEGIN PRIVATE KEY-----\nMIIE…\n-----END PRIVATE KEY-----' } })).toEqual([]);
  });

  it('rejects an account given as a URL, saying what to write instead', () => {
    for (const account of ['https://xy12345.snowflakecomputing.com', 'xy12345.snowflakecomputing.com']) {
      expect(problems({ ...base, account })).toEqual(['account: give the account identifier, e.g. xy12345 or myorg-myaccount, not a URL (use accessUrl for a private endpoint)']);
    }
    expect(problems({ ...base, account: 'xy 12345' })[0]).toMatch(/^account: the account identifier has letters/);
  });

  it('asks for exactly one kind of credential per profile', () => {
    expect(problems({ ...base, read: { user: 'u', role: 'r' } })).toEqual(['read: set password: "${SF_PASSWORD}", or privateKeyPath (or privateKey) for key-pair authentication']);
    expect(problems({ ...base, read: { user: 'u', role: 'r', password: 'p', privateKeyPath: 'k.p8' } })).toEqual(['read: give either password or a private key, not both']);
    expect(problems({ ...base, read: { user: 'u', role: 'r', privateKeyPath: 'k.p8', privateKey: '-----BEGIN PRIVATE KEY-----' } })).toContain('read.privateKey: give either privateKeyPath or privateKey, not both');
    expect(problems({ ...base, read: { user: 'u', role: 'r', privateKey: 'keys/rw.p8' } })).toEqual(['read.privateKey: privateKey must be the PEM text (-----BEGIN PRIVATE KEY----- …); to point at a file, use privateKeyPath']);
    expect(problems({ ...base, read: { user: 'u', role: 'r', password: 'p', privateKeyPassphrase: 'x' } })).toEqual(['read.privateKeyPassphrase: privateKeyPassphrase applies only with privateKeyPath or privateKey']);
    expect(problems({ ...base, read: { user: 'u', password: 'p' } })[0]).toMatch(/^read\.role: /);
  });

  it('keeps the read and write roles apart', () => {
    expect(problems({ ...base, write: { user: 'OPS_RW', role: 'ops_readonly', password: 'p' } })).toEqual(['write.role: the write profile must use another role than the read profile: the read role is what keeps read snippets from changing data']);
  });

  it('rejects unknown keys and a non-http accessUrl', () => {
    expect(problems({ ...base, host: 'x' })[0]).toMatch(/host/);
    expect(problems({ ...base, accessUrl: 'ftp://x' })).toEqual(['accessUrl: accessUrl must be an http(s) URL, e.g. https://xy12345.privatelink.snowflakecomputing.com']);
  });
});
