/**
 * A real S3-compatible server (s3rver) on a loopback port, in a child process, its data in a fresh temporary
 * directory removed when it closes. The tests run the S3 client against it, and the demo serves its extracts
 * from it, so what the page shows on demo went through the same SDK calls as in production.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** s3rver's fixed account (its README). It checks the access key id; it does not verify V4 signatures. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface LocalS3 {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Writes an object (for seeding, and for the demo's and tests' faults). */
  put(bucket: string, key: string, body: string | Uint8Array): Promise<void>;
  remove(bucket: string, key: string): Promise<void>;
  /** An object's body as text, or null when there is no such object. */
  get(bucket: string, key: string): Promise<string | null>;
  /** Every key of a bucket (under a prefix) with its size. */
  keys(bucket: string, prefix?: string): Promise<Map<string, number>>;
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));

export async function startLocalS3(buckets: readonly string[]): Promise<LocalS3> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'opsbook-s3-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', path.join(here, 's3rverProcess.cjs'), JSON.stringify({ directory, buckets })], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the S3-compatible server exited (${code}) before listening: ${stderr.trim()}`)));
  }).catch(async (error: unknown) => {
    await fs.rm(directory, { recursive: true, force: true });
    throw error;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { ...S3RVER_CREDENTIALS } });
  return {
    endpoint,
    ...S3RVER_CREDENTIALS,
    async put(bucket, key, body) {
      const contentType = key.endsWith('.json') ? 'application/json' : key.endsWith('.csv') ? 'text/csv' : 'application/octet-stream';
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async remove(bucket, key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async get(bucket, key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return (await object.Body?.transformToString('utf8')) ?? '';
      } catch (error) {
        if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return null;
        throw error;
      }
    },
    async keys(bucket, prefix) {
      const found = new Map<string, number>();
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ...(prefix ? { Prefix: prefix } : {}), ...(token ? { ContinuationToken: token } : {}) }));
        for (const o of page.Contents ?? []) found.set(o.Key ?? '', o.Size ?? 0);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return found;
    },
    async close() {
      client.destroy();
      child.stdin.end();
      await exited;
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
