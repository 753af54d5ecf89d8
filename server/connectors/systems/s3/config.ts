/**
 * `{kind: s3}` connections. Credentials come from ${ENV} references or, when left out, from the AWS SDK's
 * default chain (environment, shared config, instance role), as the AWS CLI finds them. `endpoint` points at
 * an S3-compatible store (MinIO, Ceph); `demo: true` uses the demo's own S3-compatible server.
 */
import * as z from 'zod';

export const s3ConnectionSchema = z
  .strictObject({
    kind: z.literal('s3'),
    demo: z.boolean().default(false),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'write an AWS region such as eu-west-1').optional(),
    endpoint: z.url().optional(),
    /** Path-style addressing (https://host/bucket/key), which most S3-compatible stores need. */
    forcePathStyle: z.boolean().optional(),
    credentials: z
      .strictObject({
        accessKeyId: z.string().min(1, 'write accessKeyId: "${AWS_ACCESS_KEY_ID}"'),
        secretAccessKey: z.string().min(1, 'write secretAccessKey: "${AWS_SECRET_ACCESS_KEY}"'),
        sessionToken: z.string().min(1).optional(),
      })
      .optional(),
    timeoutMs: z.number().int().positive().max(600_000).optional(),
    /** A bucket --check-config lists (one page) to prove the credentials can read; without it only the endpoint is probed. */
    probeBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'write a bucket name (3-63 lowercase letters, digits, . or -)').optional(),
  })
  .superRefine((c, ctx) => {
    if (c.demo) {
      for (const key of ['region', 'endpoint', 'credentials'] as const) {
        if (c[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `a demo S3 connection takes no ${key}: it is the demo's own S3-compatible server` });
      }
      return;
    }
    if (!c.region) ctx.addIssue({ code: 'custom', path: ['region'], message: 'set region to the buckets\' AWS region (e.g. eu-west-1), or demo: true for the demo S3' });
  });

export type S3ConnectionConfig = z.infer<typeof s3ConnectionSchema>;
