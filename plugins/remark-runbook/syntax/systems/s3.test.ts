import { describe, expect, it } from 'vitest';
import { checkCommand, resolveCommand } from './grammar';
import { parseS3Uri, S3_GRAMMAR } from './s3';

const params = [{ name: 'execution_date', type: 'date', default: 'yesterday' }];

describe('s3 block grammar', () => {
  it('reads the AWS CLI listing and head commands as reads', () => {
    expect(checkCommand(S3_GRAMMAR, 'aws s3 ls s3://ecomm-extracts/daily/')).toEqual({ command: 's3 ls', write: false });
    expect(checkCommand(S3_GRAMMAR, 'aws s3 ls s3://ecomm-extracts/daily/ --recursive --summarize --human-readable')).toEqual({ command: 's3 ls', write: false });
    expect(checkCommand(S3_GRAMMAR, 'aws s3api head-object --bucket ecomm-extracts --key daily/orders.csv')).toEqual({ command: 's3api head-object', write: false });
    expect(checkCommand(S3_GRAMMAR, 'aws s3api head-object \\\n  --bucket=ecomm-extracts \\\n  --key=daily/orders.csv')).toEqual({ command: 's3api head-object', write: false });
  });

  it('says where a command is wrong, by line and column', () => {
    expect(checkCommand(S3_GRAMMAR, 'aws s3 cp s3://a-bucket/x .')).toMatchObject({ lineOffset: 0, column: 5, error: expect.stringMatching(/"aws s3 cp" is not one of the S3 commands runbooks can run: aws s3 ls, aws s3api head-object/) });
    expect(checkCommand(S3_GRAMMAR, 'aws s3 ls \\\n  s3://Bad_Bucket/x')).toMatchObject({ lineOffset: 1, column: 3, error: expect.stringMatching(/not an S3 URI/) });
    expect(checkCommand(S3_GRAMMAR, 'aws s3 ls s3://ecomm-extracts/ --delete')).toMatchObject({ column: 32, error: expect.stringMatching(/"--delete" is not an option of aws s3 ls\. Options: --recursive, --summarize, --human-readable/) });
    expect(checkCommand(S3_GRAMMAR, 'aws s3api head-object --bucket ecomm-extracts')).toMatchObject({ error: 'aws s3api head-object needs --key.' });
    expect(checkCommand(S3_GRAMMAR, 's3 ls s3://ecomm-extracts/')).toMatchObject({ column: 1, error: expect.stringMatching(/starts with "aws"/) });
    expect(checkCommand(S3_GRAMMAR, 'aws s3 ls s3://ecomm-extracts/ extra')).toMatchObject({ error: expect.stringMatching(/one word too many/) });
    expect(checkCommand(S3_GRAMMAR, 'aws s3 ls s3://ecomm-extracts/; rm -rf /')).toMatchObject({ error: expect.stringMatching(/";" is shell syntax.*an S3 block holds exactly one S3 command/) });
    expect(checkCommand(S3_GRAMMAR, 'aws s3 ls s3://ecomm-extracts/\naws s3 ls s3://other-bucket/')).toMatchObject({ lineOffset: 1, error: expect.stringMatching(/starts a second one/) });
  });

  it('checks parameters against the declaration at build time and their values at run time', () => {
    expect(checkCommand(S3_GRAMMAR, 'aws s3 ls s3://ecomm-extracts/daily/{{execution_date}}/', params)).toEqual({ command: 's3 ls', write: false });
    expect(checkCommand(S3_GRAMMAR, 'aws s3 ls s3://ecomm-extracts/daily/{{day}}/', params)).toMatchObject({ error: expect.stringMatching(/Parameter "day" is used but not declared/) });
    const resolved = resolveCommand(S3_GRAMMAR, 'aws s3 ls s3://ecomm-extracts/daily/{{execution_date}}/', { execution_date: { type: 'date', value: '2026-12-01' } });
    expect(resolved).toEqual({ ok: true, command: { name: 's3 ls', write: false, args: { uri: 's3://ecomm-extracts/daily/2026-12-01/' }, flags: {} } });
  });

  it('keeps a parameter value inside its word: it cannot become an option or another bucket check', () => {
    const bucketParam = 'aws s3api head-object --bucket {{bucket}} --key daily/orders.csv';
    const injected = resolveCommand(S3_GRAMMAR, bucketParam, { bucket: { type: 'string', value: 'ecomm-extracts --key other' } });
    expect(injected).toEqual({ ok: false, message: expect.stringMatching(/--bucket "ecomm-extracts --key other" is not a bucket name/) });
    const missing = resolveCommand(S3_GRAMMAR, bucketParam, {});
    expect(missing).toEqual({ ok: false, message: 'Parameter "bucket" has no value.' });
  });

  it('parses S3 URIs by the bucket naming rules', () => {
    expect(parseS3Uri('s3://ecomm-extracts')).toEqual({ bucket: 'ecomm-extracts', key: '' });
    expect(parseS3Uri('s3://ecomm-extracts/daily/2026-12-01/orders.csv')).toEqual({ bucket: 'ecomm-extracts', key: 'daily/2026-12-01/orders.csv' });
    expect(parseS3Uri('s3://ab/x')).toBeNull();
    expect(parseS3Uri('https://ecomm-extracts/x')).toBeNull();
  });
});
