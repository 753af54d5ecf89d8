/**
 * A process that closes its DuckDB connector while a long aggregation runs, then exits — as the server
 * does on SIGTERM. Prints how the run ended. Used by faults.test.ts: before the fix, exit() hung.
 * Usage: tsx exitUnderQuery.ts <database file>
 */
import { openDuckDB } from '../index';

async function main(file: string): Promise<void> {
  const connector = await openDuckDB({ file });
  const run = connector.stream(
    { text: 'select count(*) from range(100000000000) a', binds: {}, mode: 'read', signal: new AbortController().signal, timeoutMs: 600_000, maxRows: 1 },
    { columns: () => undefined, rows: async () => undefined },
  );
  const ended = run.then(() => 'finished', (error: { code?: string }) => String(error.code));
  // Let the query reach the engine's threads (the hang needs a query in flight, not just queued).
  await new Promise((resolve) => setTimeout(resolve, 500));
  await connector.close();
  console.log(`run ended: ${await ended}`);
  process.exit(0);
}

void main(process.argv[2] ?? ':memory:');
