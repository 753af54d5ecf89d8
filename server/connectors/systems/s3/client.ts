/**
 * The S3 reads runbooks need, on the official AWS SDK: list a prefix (one delimiter level, as `aws s3 ls`
 * shows it, or every key with --recursive), page by page, and head one object. A missing object is an
 * answer (null), not an error: "the extract is not there" is what the operator came to learn.
 */
import { HeadObjectCommand, ListObjectsV2Command, NotFound, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { ConnectorError } from '../../types';

export interface S3ClientOptions {
  readonly region: string;
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  readonly timeoutMs?: number;
}

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: string | null;
  readonly etag: string | null;
  readonly storageClass: string | null;
}

export interface ListPage {
  /** Common prefixes ("PRE" lines of `aws s3 ls`), only without --recursive. */
  readonly prefixes: readonly string[];
  readonly objects: readonly ListedObject[];
}

export interface ObjectHead {
  readonly key: string;
  readonly size: number;
  readonly lastModified: string | null;
  readonly etag: string | null;
  readonly contentType: string | null;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ObjectStore {
  list(bucket: string, prefix: string, recursive: boolean, signal: AbortSignal): AsyncGenerator<ListPage>;
  head(bucket: string, key: string, signal: AbortSignal): Promise<ObjectHead | null>;
  close(): void;
}

export function createObjectStore(options: S3ClientOptions): ObjectStore {
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.forcePathStyle !== undefined ? { forcePathStyle: options.forcePathStyle } : {}),
    ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    requestHandler: { requestTimeout: options.timeoutMs ?? 15_000 },
    maxAttempts: 3,
  });
  return {
    async *list(bucket, prefix, recursive, signal) {
      let token: string | undefined;
      do {
        const page = await call(
          () => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(recursive ? {} : { Delimiter: '/' }), ...(token ? { ContinuationToken: token } : {}) }), { abortSignal: signal }),
          `s3://${bucket}/${prefix}`,
          signal,
        );
        yield {
          prefixes: (page.CommonPrefixes ?? []).map((p) => p.Prefix ?? '').filter(Boolean),
          objects: (page.Contents ?? []).map((o) => ({
            key: o.Key ?? '',
            size: o.Size ?? 0,
            lastModified: o.LastModified ? o.LastModified.toISOString() : null,
            etag: o.ETag ?? null,
            storageClass: o.StorageClass ?? null,
          })),
        };
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async head(bucket, key, signal) {
      try {
        const h = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
        return {
          key,
          size: h.ContentLength ?? 0,
          lastModified: h.LastModified ? h.LastModified.toISOString() : null,
          etag: h.ETag ?? null,
          contentType: h.ContentType ?? null,
          metadata: h.Metadata ?? {},
        };
      } catch (error) {
        // HEAD answers carry no body: a missing key is a bare 404, which the SDK names NotFound.
        if (error instanceof NotFound || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404 && error.name !== 'NoSuchBucket')) return null;
        throw translate(error, `s3://${bucket}/${key}`, signal);
      }
    },
    close() {
      client.destroy();
    },
  };
}

async function call<T>(work: () => Promise<T>, where: string, signal: AbortSignal): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translate(error, where, signal);
  }
}

/** S3's error codes as the operator can act on them. */
function translate(error: unknown, where: string, signal: AbortSignal): ConnectorError {
  if (signal.aborted || (error as Error).name === 'AbortError') return new ConnectorError('cancelled', 'Cancelled.');
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode;
    switch (error.name) {
      case 'NoSuchBucket':
        return new ConnectorError('connector_error', `There is no bucket for ${where}.`, 'Check the bucket name in the block, or the environment: the bucket may live in another account or region.', error.name);
      case 'AccessDenied':
      case 'Forbidden':
        return new ConnectorError('forbidden', `S3 refused access to ${where} (${error.name}).`, 'The connection\'s credentials need s3:ListBucket on the bucket and s3:GetObject on its keys.', error.name);
      case 'InvalidAccessKeyId':
      case 'SignatureDoesNotMatch':
        return new ConnectorError('forbidden', `S3 did not accept the connection's credentials (${error.name}).`, 'Check credentials.accessKeyId / secretAccessKey of this connection in opsbook.config.yaml.', error.name);
      case 'PermanentRedirect':
      case 'AuthorizationHeaderMalformed':
        return new ConnectorError('connector_error', `The bucket of ${where} is in another region (${error.name}).`, "Set the connection's region to the bucket's region.", error.name);
      default:
        return new ConnectorError(status !== undefined && status >= 500 ? 'unavailable' : 'connector_error', `S3 answered ${error.name}${status ? ` (HTTP ${status})` : ''} for ${where}: ${error.message}`, undefined, error.name);
    }
  }
  const e = error as Error & { code?: string };
  return new ConnectorError('unavailable', `S3 could not be reached for ${where}: ${e.code ?? e.name}: ${e.message}`, 'Check the connection\'s endpoint/region and the network path to S3.');
}
