/** The S3 system: `s3 run` blocks on `{kind: s3}` connections (read only). */
import { S3_GRAMMAR } from '../../../../plugins/remark-runbook/syntax/systems/s3';
import type { ConnectionConfig } from '../../../config';
import { defineSystem } from '../types';
import { createObjectStore, type ObjectStore } from './client';
import type { S3ConnectionConfig } from './config';
import { runS3 } from './execute';

export const S3_SYSTEM = defineSystem<S3ConnectionConfig, ObjectStore>({
  grammar: S3_GRAMMAR,
  kind: 's3',
  isConnection: (c: ConnectionConfig): c is S3ConnectionConfig => c.kind === 's3',
  async connect(conn, demo) {
    if (conn.demo) {
      const local = await demo.s3();
      const store = createObjectStore({ region: 'us-east-1', endpoint: local.endpoint, forcePathStyle: true, credentials: { accessKeyId: local.accessKeyId, secretAccessKey: local.secretAccessKey }, timeoutMs: conn.timeoutMs ?? 15_000 });
      return local.refresh ? refreshing(store, local.refresh) : store;
    }
    return createObjectStore({
      region: conn.region!,
      ...(conn.endpoint ? { endpoint: conn.endpoint } : {}),
      ...(conn.forcePathStyle !== undefined ? { forcePathStyle: conn.forcePathStyle } : {}),
      ...(conn.credentials ? { credentials: conn.credentials } : {}),
      ...(conn.timeoutMs ? { timeoutMs: conn.timeoutMs } : {}),
    });
  },
  run: runS3,
  async probe(store, conn, signal) {
    const where = conn.demo ? 'demo S3-compatible server' : (conn.endpoint ?? `S3 ${conn.region}`);
    if (conn.probeBucket) {
      for await (const page of store.list(conn.probeBucket, '', false, signal)) {
        return `${where}: listed s3://${conn.probeBucket}/ (${page.objects.length + page.prefixes.length} entries on the first page)`;
      }
    }
    // Without a bucket to list, a HEAD of a key in a bucket that cannot exist proves the endpoint answers; S3
    // answers such a HEAD without a body, so bad credentials cannot be told from a missing bucket here.
    await store.head('opsbook-connection-probe', 'probe', signal).catch((error: Error & { engineCode?: string }) => {
      if (error.engineCode === 'NoSuchBucket' || error.engineCode === 'Forbidden' || error.engineCode === 'AccessDenied') return null;
      throw error;
    });
    return `${where} answered; credentials are checked on the first listing (set probeBucket to check them here)`;
  },
  close: (store) => store.close(),
});

/** The demo S3 is brought up to date with what the demo pipeline wrote before each read. */
function refreshing(store: ObjectStore, refresh: () => Promise<void>): ObjectStore {
  return {
    async *list(bucket, prefix, recursive, signal) {
      await refresh();
      yield* store.list(bucket, prefix, recursive, signal);
    },
    async head(bucket, key, signal) {
      await refresh();
      return store.head(bucket, key, signal);
    },
    close: () => store.close(),
  };
}
