/**
 * Budget "runs that got their `done`, after SIGKILL of the server: 100 % in the audit" (DESIGN.md §11):
 * the real server in a child process, N runs over one socket (four at a time), SIGKILL the moment the last
 * `done` arrives, restart on the same state, and count how many of those runs the audit kept.
 */
import fs from 'node:fs';
import type { AuditRecord } from '../../server/api';
import type { DoneMessage, ServerMessage } from '../../server/protocol';
import { ADMIN, OPERATOR } from '../../server/testing/harness';
import { dropSchema, scratchSchema } from '../../server/testing/postgres';
import { prepareServerDir, ServerProcess } from '../../server/testing/serverProcess';

export interface DurabilityFigure {
  readonly store: string;
  readonly done: number;
  readonly kept: number;
}

export async function runsKeptAfterSigkill(runs: number, postgresUrl: string | null): Promise<DurabilityFigure> {
  const schema = postgresUrl ? scratchSchema('opsbook_bench_durable') : null;
  const dir = await prepareServerDir({
    setupSql: 'select 1',
    snippets: { 'bench/one': { text: 'select 1 as one' } },
    ...(postgresUrl ? { auditYaml: `{store: postgres, url: ${JSON.stringify(postgresUrl)}, schema: ${schema}}` } : {}),
  });
  try {
    const first = await ServerProcess.start(dir, 'bench-instance');
    const client = await first.connect(OPERATOR);
    const sha256 = dir.manifest.snippets['bench/one']!.sha256;
    const runIds: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < runs) {
        const id = `d${next++}`;
        client.send({ type: 'run', id, snippet: 'bench/one', sha256, env: 'demo', params: {} });
        const done = await client.waitFor((m: ServerMessage): m is DoneMessage => m.type === 'done' && m.id === id, 60_000);
        const accepted = client.messages.find((m) => m.type === 'accepted' && m.id === id);
        if (done.status === 'succeeded' && accepted?.type === 'accepted') runIds.push(accepted.runId);
        if (runIds.length === runs) first.child.kill('SIGKILL');
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    if (runIds.length < runs) first.child.kill('SIGKILL'); // some runs failed: kill anyway, count what got done
    await first.exited;
    const second = await ServerProcess.start(dir, 'bench-instance');
    const res = await second.api('GET', '/api/audit?kind=run&status=succeeded&limit=1000', ADMIN);
    const kept = new Set((res.body.records as AuditRecord[]).map((r) => r.runId));
    await second.kill('SIGTERM');
    return { store: postgresUrl ? 'PostgreSQL' : 'DuckDB', done: runIds.length, kept: runIds.filter((id) => kept.has(id)).length };
  } finally {
    fs.rmSync(dir.dir, { recursive: true, force: true });
    if (schema) await dropSchema(schema);
  }
}
