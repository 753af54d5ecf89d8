/**
 * `s3 run` blocks: the AWS CLI's own words, read only — `aws s3 ls s3://bucket/prefix/` (with
 * `--recursive` and `--summarize`, as operators type them from the AWS docs) and
 * `aws s3api head-object --bucket B --key K`. Nothing that writes to S3 is in the table: an extract is
 * inspected from the runbook, never changed from it.
 */
import type { SystemGrammar, ValueCheck } from './grammar';

/** AWS's bucket naming rules: 3-63 characters, lowercase letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export interface S3Uri {
  readonly bucket: string;
  /** The key or prefix after the bucket; '' for the whole bucket. */
  readonly key: string;
}

export function parseS3Uri(text: string): S3Uri | null {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/s.exec(text);
  if (!m || !BUCKET.test(m[1]!)) return null;
  return { bucket: m[1]!, key: m[2] ?? '' };
}

const s3Uri: ValueCheck = (v, what) =>
  parseS3Uri(v) ? null : `${what} "${v}" is not an S3 URI: write s3://bucket/prefix/ (bucket names are 3-63 lowercase letters, digits, . or -).`;
const bucket: ValueCheck = (v) => (BUCKET.test(v) ? null : `--bucket "${v}" is not a bucket name: 3-63 lowercase letters, digits, . or -.`);
const key: ValueCheck = (v) => (v.length > 0 && v.length <= 1024 ? null : '--key must be an object key of 1 to 1024 characters.');

export const S3_GRAMMAR: SystemGrammar = {
  lang: 's3',
  label: 'S3',
  program: 'aws',
  defaultTarget: 's3',
  commands: [
    {
      words: ['s3', 'ls'],
      write: false,
      summary: 'list objects and prefixes under an S3 URI (size, last modified)',
      positionals: [{ key: 'uri', what: 'the S3 URI', check: s3Uri }],
      flags: [
        { names: ['--recursive'], key: 'recursive', takes: 'switch' },
        { names: ['--summarize'], key: 'summarize', takes: 'switch' },
        { names: ['--human-readable'], key: 'humanReadable', takes: 'switch' },
      ],
    },
    {
      words: ['s3api', 'head-object'],
      write: false,
      summary: "read one object's size, last modified, ETag and content type",
      positionals: [],
      flags: [
        { names: ['--bucket'], key: 'bucket', takes: 'value', required: true, check: bucket },
        { names: ['--key'], key: 'key', takes: 'value', required: true, check: key },
      ],
    },
  ],
};
