/**
 * A SQL snippet's statement through its connector, for the runner: the row limit (or the kept result), the
 * `affected` guard a write commits by, and the sink that forwards columns and rows to the page.
 *
 * `ready` is the run's admission: true once its audit record is durable and the run accepted, false when it
 * will not run. An engine that says it waits for it (SqlConnector.waitsForReady) is handed the statement at
 * once, and may connect, open its transaction and prepare meanwhile; any other gets it only after `ready`.
 */
import type { ManifestSnippet } from '../../plugins/remark-runbook/types';
import type { BoundValue } from '../../plugins/remark-runbook/syntax/params';
import { evaluateExpect, parseExpect, type ExpectCheck } from '../../plugins/remark-runbook/syntax/expect';
import type { CheckRun } from '../checks/runCheck';
import { notAdmitted, type StatementOutcome } from '../connectors/types';
import type { Identity } from '../identity';
import type { RunMessage } from '../protocol';
import { ResultSpill } from '../results/resultSpill';
import type { RunChannel, RunnerDeps } from './runner';

export interface SqlStatementRun {
  readonly deps: RunnerDeps;
  readonly identity: Identity;
  readonly msg: RunMessage;
  readonly snippet: ManifestSnippet;
  readonly binds: Readonly<Record<string, BoundValue>>;
  /** The run's id (its audit record). */
  readonly opening: string;
  readonly monitor: CheckRun | null;
  readonly signal: AbortSignal;
  readonly channel: RunChannel;
  readonly ready: Promise<boolean>;
  /** Rows handed to the page or the kept result, as they come. */
  readonly counted: (rows: number) => void;
}

export interface SqlStatementResult {
  readonly outcome: StatementOutcome;
  readonly spill: ResultSpill | null;
  readonly columnNames: readonly string[];
  readonly firstRow: readonly unknown[] | undefined;
  /** A write's `expect`, judged by the runner on the outcome. */
  readonly expectCheck: ExpectCheck | null;
}

export async function streamStatement(r: SqlStatementRun): Promise<SqlStatementResult> {
  const { deps, snippet, msg, channel } = r;
  const limits = deps.config.limits;
  const connector = await deps.connectors.get(msg.env, snippet.target);
  // Engines that cannot hold a statement back until the record is durable get it only then.
  if (!connector.waitsForReady && !(await r.ready)) throw notAdmitted();
  // Writes keep `expect` as their guard; reads with a condition are monitors, judged and recorded by the runner.
  const expected = snippet.expect && !r.monitor ? parseExpect(snippet.expect) : null;
  const expectCheck = expected && !('error' in expected) ? expected : null;
  const columnNames: string[] = [];
  let firstRow: readonly unknown[] | undefined;
  // A plain read with more rows than the page is streamed is kept on the server for the page to page
  // through; checks (their rows are their verdict) and writes keep their limits.
  // Where the page's window already holds as many rows as would be kept (benchmarks), keeping adds nothing.
  const keeps = deps.config.results.keep && deps.config.results.maxRows > limits.rowsPerRun;
  const spill = deps.keptResults && keeps && !r.monitor && snippet.mode !== 'write' ? new ResultSpill(deps.keptResults, r.opening, r.identity.user, limits.rowsPerRun) : null;
  // A check's failing rows are its result; `sample=N` shows at most N of them.
  const maxRows = spill ? Math.max(limits.rowsPerRun, deps.config.results.maxRows) : r.monitor && snippet.sample ? Math.min(snippet.sample, limits.rowsPerRun) : limits.rowsPerRun;
  // `affected …` is decided inside the write's transaction: a write that misses its target rolls back.
  const commitWhen =
    snippet.mode === 'write' && expectCheck?.subject === 'affected'
      ? (o: StatementOutcome) => evaluateExpect(expectCheck, o.rowCount, o.firstValue, o.rowsAffected ?? null).passed
      : undefined;
  const outcome = await connector
    .stream(
      {
        text: snippet.text, binds: r.binds, mode: snippet.mode, signal: r.signal, timeoutMs: limits.statementTimeoutMs, maxRows,
        queryTag: { runbook: snippet.runbook, snippet: msg.snippet, user: r.identity.user, env: msg.env, runId: r.opening },
        ready: r.ready,
        ...(commitWhen ? { commitWhen } : {}),
      },
      {
        columns: (columns) => {
          columnNames.push(...columns.map((c) => c.name));
          spill?.setColumns(columns);
          channel.send({ type: 'columns', id: msg.id, columns });
        },
        // Not async: the batch must not stay alive in a suspended frame while the socket drains.
        rows: (batch) => {
          if (firstRow === undefined && batch.length > 0) firstRow = batch[0];
          r.counted(batch.length);
          if (!spill) return channel.rows(batch);
          return spill.take(batch).then((toPage) => (toPage.length ? channel.rows(toPage) : undefined));
        },
      },
    )
    .catch(async (error: unknown) => {
      await spill?.discard();
      throw error;
    });
  return { outcome, spill, columnNames, firstRow, expectCheck };
}
