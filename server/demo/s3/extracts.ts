/**
 * The demo S3's daily ecommerce extracts. The demo pipeline (the Airflow sandbox's extract task, and the
 * training faults that lose or empty an extract) records each file it writes in ecomm_ops.s3_extracts; the demo
 * S3 holds those files, so an `aws s3 ls` block sees what the pipeline did. Kept in step before every read:
 * a file the pipeline no longer has goes away, a new or changed one is written, with its header line (the
 * table's columns) and one line per extracted row.
 */
import type { SqlConnector } from '../../connectors/types';
import type { LocalS3 } from './server';

/** The days of extracts the demo S3 holds: the recent ones runbooks look at. */
const DAYS = 14;

interface ExtractFile {
  readonly bucket: string;
  readonly key: string;
  readonly rows: number;
  readonly columns: string;
}

async function extractFiles(warehouse: SqlConnector): Promise<ExtractFile[]> {
  const files: ExtractFile[] = [];
  await warehouse.stream(
    {
      text: `select s3_path, row_count, columns from ecomm_ops.s3_extracts
             where status = 'success' and execution_date >= (select max(execution_date) from ecomm_ops.s3_extracts) - ${DAYS - 1}`,
      binds: {}, mode: 'read', signal: AbortSignal.timeout(30_000), timeoutMs: 30_000, maxRows: 10_000,
    },
    {
      columns: () => undefined,
      rows: async (batch) => {
        for (const [path, rows, columns] of batch) {
          const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(String(path));
          if (m) files.push({ bucket: m[1]!, key: m[2]!, rows: Number(rows), columns: String(columns) });
        }
      },
    },
  );
  return files;
}

/** A CSV with the extract's header and one line per row; 0 rows is an empty file, as an export of nothing writes. */
export function extractBody(f: ExtractFile): string {
  if (f.rows === 0) return '';
  const width = f.columns.split(',').length;
  const line = Array.from({ length: width }, () => 'x').join(',');
  return `${f.columns}\n${`${line}\n`.repeat(f.rows)}`;
}

export function demoExtractsMirror(warehouse: () => Promise<SqlConnector>, log: (m: string) => void): (s3: LocalS3) => Promise<void> {
  let running: Promise<void> | null = null;
  const sync = async (s3: LocalS3) => {
    const files = await extractFiles(await warehouse());
    for (const bucket of new Set(files.map((f) => f.bucket))) {
      const have = await s3.keys(bucket);
      const want = new Map(files.filter((f) => f.bucket === bucket).map((f) => [f.key, f]));
      for (const [key, f] of want) {
        const body = extractBody(f);
        if (have.get(key) !== Buffer.byteLength(body)) await s3.put(bucket, key, body);
      }
      for (const key of have.keys()) if (!want.has(key)) await s3.remove(bucket, key);
    }
  };
  // One sync at a time: two blocks read at once share it.
  return (s3) => {
    running ??= sync(s3)
      .catch((error: unknown) => log(`demo S3: could not mirror the extracts (${(error as Error).message})`))
      .finally(() => {
        running = null;
      });
    return running;
  };
}
