/**
 * What `aws s3 ls` and `aws s3api head-object` blocks show: the terminal gets the lines the AWS CLI would
 * print, the grid gets the same objects as rows (key, size, last modified) so they can be sorted and
 * copied. A prefix with nothing under it is an empty grid, as `aws s3 ls` prints nothing there: whether a
 * missing file is a problem is the block's check to say (`expect="rows > 0 …"`), so it fails as a verdict and
 * not as a broken connection; a missing bucket or a refused token still fails the run, with the fix.
 * An empty (0-byte) object is called out on stderr, since an extract written with no rows looks present.
 */
import { parseS3Uri } from '../../../../plugins/remark-runbook/syntax/systems/s3';
import { flagValue, type ResolvedCommand } from '../../../../plugins/remark-runbook/syntax/systems/grammar';
import { ANSI } from '../../airflow/execute/channel';
import type { SystemResult, SystemRunContext } from '../types';
import type { ListedObject, ObjectStore } from './client';

const LIST_COLUMNS = [
  { name: 'last_modified', type: 'TIMESTAMP' },
  { name: 'size', type: 'BIGINT' },
  { name: 'key', type: 'VARCHAR' },
  { name: 'kind', type: 'VARCHAR' },
] as const;

const HEAD_COLUMNS = [
  { name: 'key', type: 'VARCHAR' },
  { name: 'size', type: 'BIGINT' },
  { name: 'last_modified', type: 'TIMESTAMP' },
  { name: 'etag', type: 'VARCHAR' },
  { name: 'content_type', type: 'VARCHAR' },
] as const;

export function runS3(store: ObjectStore, command: ResolvedCommand, ctx: SystemRunContext): Promise<SystemResult> {
  switch (command.name) {
    case 's3 ls':
      return list(store, command, ctx);
    case 's3api head-object':
      return head(store, command, ctx);
    default:
      throw new Error(`no S3 executor for "${command.name}"`);
  }
}

/** `aws s3 ls` prints local date and time; the server's UTC is the only reading that does not depend on where it runs. */
const cliTime = (iso: string | null) => (iso ? iso.slice(0, 19).replace('T', ' ') : ''.padEnd(19));

/** The CLI's --human-readable sizes: 1.5 KiB, 3.2 MiB. */
export function humanSize(bytes: number): string {
  const units = ['Bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} Bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

async function list(store: ObjectStore, command: ResolvedCommand, ctx: SystemRunContext): Promise<SystemResult> {
  const uri = parseS3Uri(command.args.uri!)!;
  const recursive = command.flags.recursive === true;
  const human = command.flags.humanReadable === true;
  const size = (n: number) => (human ? humanSize(n).padStart(10) : String(n).padStart(10));
  ctx.grid.columns(LIST_COLUMNS);
  let objects = 0;
  let prefixes = 0;
  let bytes = 0;
  const empty: ListedObject[] = [];
  // Keys are shown relative to the listed "directory", as the CLI does without --recursive.
  const base = recursive ? '' : uri.key.slice(0, uri.key.lastIndexOf('/') + 1);
  for await (const page of store.list(uri.bucket, uri.key, recursive, ctx.signal)) {
    const lines: string[] = [];
    const rows: (readonly (string | number | null)[])[] = [];
    for (const p of page.prefixes) {
      prefixes++;
      lines.push(`${''.padStart(30)} PRE ${p.slice(base.length)}`);
      rows.push([null, null, p, 'prefix']);
    }
    for (const o of page.objects) {
      objects++;
      bytes += o.size;
      if (o.size === 0) empty.push(o);
      lines.push(`${cliTime(o.lastModified)} ${size(o.size)} ${o.key.slice(base.length)}`);
      rows.push([o.lastModified, o.size, o.key, 'object']);
    }
    if (lines.length) ctx.out.log(lines.join('\n'));
    if (!(await ctx.grid.rows(rows))) break;
  }
  for (const o of empty) ctx.out.log(ANSI.red(`⚠ s3://${uri.bucket}/${o.key} is empty (0 bytes): it was written with no data.`), 'stderr');
  if (command.flags.summarize === true) {
    ctx.out.log(`\nTotal Objects: ${objects}\n   Total Size: ${human ? humanSize(bytes) : bytes}`);
  }
  if (objects === 0 && prefixes === 0) {
    // The AWS CLI prints nothing (and exits 1); the page says what that means.
    ctx.out.log(ANSI.red(`Nothing under s3://${uri.bucket}/${uri.key}: no file there — for an extract, none was written for the day (or the prefix is misspelt).`), 'stderr');
  }
  return {};
}

async function head(store: ObjectStore, command: ResolvedCommand, ctx: SystemRunContext): Promise<SystemResult> {
  const bucket = flagValue(command, 'bucket')!;
  const key = flagValue(command, 'key')!;
  ctx.grid.columns(HEAD_COLUMNS);
  const h = await store.head(bucket, key, ctx.signal);
  if (!h) {
    ctx.out.log(`An error occurred (404) when calling the HeadObject operation: Not Found`, 'stderr');
    return { failure: { code: 'connector_error', message: `There is no object s3://${bucket}/${key}.`, hint: 'The extract has not been written (yet), or the key is misspelt: list the prefix with aws s3 ls to see what is there.' } };
  }
  await ctx.grid.rows([[h.key, h.size, h.lastModified, h.etag, h.contentType]]);
  ctx.out.log(JSON.stringify({ ContentLength: h.size, LastModified: h.lastModified, ETag: h.etag, ContentType: h.contentType, Metadata: h.metadata }, null, 4));
  if (h.size === 0) ctx.out.log(ANSI.red(`⚠ s3://${bucket}/${key} is empty (0 bytes): it was written with no data.`), 'stderr');
  return {};
}
