/** `{kind: s3}` in opsbook.config.yaml: what validates, what is refused with a fix, and what --check-config says. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConnections } from '../../../checkConfig';
import { parseConfig } from '../../../config';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-s3-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const withS3 = (s3: string, production = false) => `environments:
  ${production ? 'prod' : 'demo'}:
    production: ${production}
    connections:
      warehouse: {kind: duckdb, path: w.duckdb}
      s3: ${s3}
${production ? 'auth: {mode: proxy, trustedProxies: [127.0.0.1/32], roleMap: {}}' : ''}
`;

describe('S3 connections in the configuration', () => {
  it('takes a region with credentials from ${ENV} references, or the AWS default chain', () => {
    const config = parseConfig(withS3('{kind: s3, region: eu-west-1, credentials: {accessKeyId: "${AWS_KEY}", secretAccessKey: "${AWS_SECRET}"}}'), 'c.yaml', { AWS_KEY: 'AKIA', AWS_SECRET: 'shh' });
    expect(config.environments.demo!.connections.s3).toEqual({ kind: 's3', demo: false, region: 'eu-west-1', credentials: { accessKeyId: 'AKIA', secretAccessKey: 'shh' } });
    expect(parseConfig(withS3('{kind: s3, region: eu-west-1}'), 'c.yaml').environments.demo!.connections.s3).toMatchObject({ region: 'eu-west-1' });
  });

  it('says how to fix a connection without a region, an unset secret, or a demo S3 given an endpoint', () => {
    expect(() => parseConfig(withS3('{kind: s3}'), 'c.yaml')).toThrow(/environments\.demo\.connections\.s3\.region: set region to the buckets' AWS region \(e\.g\. eu-west-1\), or demo: true/);
    expect(() => parseConfig(withS3('{kind: s3, region: eu-west-1, credentials: {accessKeyId: "${AWS_KEY}", secretAccessKey: "${AWS_SECRET}"}}'), 'c.yaml', {})).toThrow(/environment variable AWS_KEY is not set/);
    expect(() => parseConfig(withS3('{kind: s3, demo: true, endpoint: "http://x"}'), 'c.yaml')).toThrow(/a demo S3 connection takes no endpoint/);
    expect(() => parseConfig(withS3('{kind: s3, region: Ireland}'), 'c.yaml')).toThrow(/write an AWS region such as eu-west-1/);
  });

  it('refuses the demo S3 in a production environment', () => {
    expect(() => parseConfig(withS3('{kind: s3, demo: true}', true), 'c.yaml')).toThrow(/demo stand-ins.*cannot be connections of a production environment/);
  });

  it('is probed by --check-config: the demo S3 starts, answers, and stops again', async () => {
    const results = await checkConnections(parseConfig(withS3('{kind: s3, demo: true, probeBucket: ecomm-extracts}'), 'c.yaml'), dir);
    expect(results.find((r) => r.connection === 's3')).toMatchObject({ env: 'demo', kind: 's3', profile: 'read', ok: true, detail: expect.stringMatching(/listed s3:\/\/ecomm-extracts\//) });
  }, 60_000);

  it('fails --check-config with the reason when the endpoint does not answer', async () => {
    const results = await checkConnections(parseConfig(withS3('{kind: s3, region: us-east-1, endpoint: "http://127.0.0.1:9", forcePathStyle: true, timeoutMs: 3000, credentials: {accessKeyId: a, secretAccessKey: b}}'), 'c.yaml'), dir);
    expect(results.find((r) => r.connection === 's3')).toMatchObject({ ok: false, detail: expect.stringMatching(/S3 could not be reached/) });
  }, 60_000);
});
