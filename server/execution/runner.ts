/**
 * Runs one `run` message from start to its single `done`: manifest lookup and hash check, environment,
 * policy, parameters, then the connector, streaming through the session's backpressured sink. Every
 * attempt ends in the audit trail, whatever happened.
 */
import { randomUUID } from 'node:crypto';
import type { ManifestSnippet } from '../../plugins/remark-runbook/types';
import { evaluateExpect } from '../../plugins/remark-runbook/syntax/expect';
import type { OpsbookConfig } from '../config';
import type { ConnectorRegistry } from '../connectors/registry';
import type { AirflowConnections } from '../connectors/airflow/connections';
import { unsupportedOnApi } from '../connectors/airflow/execute/unsupported';
import type { RunStarters } from '../connectors/airflow/execute/runStarters';
import type { SystemConnections } from '../connectors/systems/connections';
import { commandBlockRunner } from './commandBlocks';
import { ConnectorError, type RowSink } from '../connectors/types';
import type { Identity } from '../identity';
import type { CheckResult, DoneMessage, ErrorCode, RunError, RunMessage, ServerMessage } from '../protocol';
import type { AuditEntry, AuditSink } from './audit';
import { bindParams } from './bindParams';
import type { ManifestStore } from './manifestStore';
import { decide } from './policy';
import type { ApprovalService } from './approvals';
import type { CheckHistory } from '../checks/types';
import { isMonitor, judgeAndRecord, recordFailedCheck, type CheckRun } from '../checks/runCheck';
import { observeGrid } from '../checks/observeGrid';
import { tapRun, type RunOperations } from '../operations/runTap';
import type { KeptResults } from '../results/keptResults';
import { streamStatement } from './sqlStatement';

export interface RunnerDeps {
  readonly config: OpsbookConfig;
  readonly manifest: ManifestStore;
  readonly connectors: ConnectorRegistry;
  readonly audit: AuditSink;
  /** Null where approvals are not wired (benchmarks); escalation steps are then refused. */
  readonly approvals: ApprovalService | null;
  readonly now?: () => Date;
  /** Airflow connections (REST clients); airflow snippets are refused where absent. */
  readonly airflow?: AirflowConnections;
  /** Who started which DAG run from a block (answers to required actions check it). */
  readonly runStarters?: RunStarters;
  /** Connections of the command-block systems (S3, dbt Cloud, paging); their snippets are refused where absent. */
  readonly systems?: SystemConnections;
  /** Where check results are kept (issue 11); results are not recorded where absent (benchmarks, unit tests). */
  readonly checks?: CheckHistory | null;
  /**
   * The clock a check is judged and recorded by (ages, deadlines, the time in its history); `now` when
   * absent. The demo's replay of past days (checks/seedHistory.ts) judges each day as of that day, while
   * the audit keeps the real time of the run.
   */
  readonly checkNow?: () => Date;
  readonly log?: (message: string) => void;
  /** Operations (issue 12): a run naming one is recorded into it when it ends; not recorded where absent. */
  readonly operations?: RunOperations | null;
  /** Where large results are kept (issue 14); a read is cut at limits.rowsPerRun where absent. */
  readonly keptResults?: KeptResults | null;
}

/** The state store did not take the run's record: nothing runs unaudited. */
const UNAUDITED: RunError = {
  code: 'unavailable',
  message: 'The audit store is unavailable, so nothing can run right now (every run must be recorded first).',
  hint: 'Try again in a moment; if it persists, ask an admin to check the audit database (audit.url in opsbook.config.yaml).',
};

/** The run's end could not be recorded in time; the sink keeps trying (DESIGN.md §7a). */
const AUDIT_PENDING = {
  code: 'audit_pending',
  message: "The run ended, but the audit store is not answering, so its record still says it is running. Opsbook keeps writing the record and it will show this outcome once the store is back; until then the audit log shows the run as running.",
} as const;

/** The server stopped before the audit store took the run's end (DESIGN.md §7a). */
const AUDIT_LOST = {
  code: 'audit_lost',
  message: 'The run ended while the server was stopping and the audit store was not answering, so its end could not be recorded: the audit log will show it as interrupted.',
} as const;

/** What the session gives a run: a way to send, and a sink whose `rows` waits while the socket is full. */
export interface RunChannel {
  send(message: ServerMessage): void;
  rows: RowSink['rows'];
}

export async function executeRun(deps: RunnerDeps, identity: Identity, msg: RunMessage, pageChannel: RunChannel, signal: AbortSignal): Promise<DoneMessage> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  // A run inside an operation is recorded there by the server as it ends, whether or not the page stays.
  const operation = deps.operations && msg.operation ? await deps.operations.linkable(msg.operation) : null;
  const tap = operation ? tapRun(pageChannel) : null;
  const channel = tap?.channel ?? pageChannel;
  const t0 = performance.now();
  // Own keys only: `__proto__` or `constructor` must not reach the prototype (DESIGN.md §7a).
  const snippet: ManifestSnippet | undefined = Object.hasOwn(deps.manifest.current().snippets, msg.snippet) ? deps.manifest.current().snippets[msg.snippet] : undefined;
  let runId: string | null = null;
  let rowCount = 0;
  let truncated = false;
  let check: CheckResult | undefined;
  let rowsAffected: number | null = null;
  let rolledBack = false;
  let dryRun = msg.preview === true;
  let resolvedParams: Record<string, unknown> = msg.params;

  const entry = (status: AuditEntry['status'], error?: RunError): AuditEntry => ({
    ...(runId ? { id: runId } : {}),
    kind: 'run',
    runId,
    user: identity.user,
    roles: identity.roles,
    snippet: msg.snippet,
    sha256: msg.sha256,
    runbook: snippet?.runbook ?? null,
    step: snippet?.step ?? null,
    env: msg.env,
    params: resolvedParams,
    approval: msg.approval ?? null,
    startedAt: started.toISOString(),
    endedAt: status === 'running' ? null : now().toISOString(),
    status,
    rowCount: status === 'running' ? null : rowCount,
    check: check ? check.passed : null,
    errorCode: error?.code ?? null,
    detail: error ? error.message.slice(0, 500) : rolledBack ? 'rolled back: the write did not pass its expect check' : null,
    rowsAffected: status === 'running' ? null : rowsAffected,
    dryRun,
    ...(operation ? { operation } : {}),
  });

  /** Completes the record (or writes the refusal) and only then hands back the `done` to send. */
  const finish = async (status: DoneMessage['status'], error?: RunError): Promise<DoneMessage> => {
    const written = await deps.audit.record(entry(status, error));
    const done: DoneMessage = {
      type: 'done',
      id: msg.id,
      status,
      rowCount,
      truncated,
      elapsedMs: Math.round(performance.now() - t0),
      ...(rowsAffected !== null ? { rowsAffected } : {}),
      ...(rolledBack ? { rolledBack } : {}),
      ...(dryRun ? { dryRun } : {}),
      ...(check ? { check } : {}),
      ...(error ? { error } : {}),
      // Only a run's completion can be pending or lost; a refusal's record is logged when it fails.
      ...(runId && written === 'pending' ? { warning: AUDIT_PENDING } : {}),
      ...(runId && written === false ? { warning: AUDIT_LOST } : {}),
    };
    if (operation && tap && deps.operations) {
      const base = { snippet: msg.snippet, sha256: msg.sha256, runbook: snippet?.runbook ?? null, step: snippet?.step ?? null, env: msg.env, params: resolvedParams, approval: msg.approval ?? null, runId, startedAt: started, endedAt: now() };
      await deps.operations.recordRun(operation, identity, tap.record(base, done));
    }
    return done;
  };
  const reject = (code: ErrorCode, message: string, hint?: string) => finish('rejected', { code, message, ...(hint ? { hint } : {}) });

  if (!snippet) return reject('unknown_snippet', `No snippet "${msg.snippet}" in the manifest this server runs.`, 'Only snippets merged into the runbooks can run; reload the page if the site was rebuilt.');
  if (snippet.sha256 !== msg.sha256) return reject('stale_snippet', `The page's copy of "${msg.snippet}" differs from the one this server runs.`, 'Reload the page to get the current runbook.');
  const env = Object.hasOwn(deps.config.environments, msg.env) ? deps.config.environments[msg.env] : undefined;
  if (!env) return reject('unknown_env', `There is no environment "${msg.env}". Known: ${Object.keys(deps.config.environments).join(', ')}.`);
  const connection = env.connections[snippet.target];
  if (!connection) return reject('unavailable', `Environment ${msg.env} has no connection "${snippet.target}" for this snippet.`, 'Ask an admin to add it to opsbook.config.yaml, or pick another environment.');
  if (snippet.dialect && snippet.dialect !== connection.kind) {
    return reject('env_not_allowed', `This variant is written for ${snippet.dialect}; ${msg.env}'s ${snippet.target} is ${connection.kind}.`, 'Reload the page: it picks the variant for the chosen environment.');
  }
  const decision = decide({ snippet, envName: msg.env, env, identity, confirm: msg.confirm });
  if (!decision.ok) return reject(decision.code, decision.message, decision.hint);
  // Before any approval is spent: a command this environment's Airflow cannot carry out never will.
  const unsupported = snippet.lang === 'airflow' && connection.kind === 'airflow' ? unsupportedOnApi(snippet.text, connection.api ?? 'v2') : null;
  if (unsupported) return reject('unavailable', unsupported.message, unsupported.hint);
  const bound = bindParams(snippet.params, msg.params, started, snippet.timezone);
  if (!bound.ok) return reject('invalid_params', bound.message);
  resolvedParams = bound.resolved;
  /** A failure names the environment, connection and engine it came from, whatever the engine. */
  const located = (e: RunError): RunError => ({ ...e, hint: [e.hint, `Source: ${msg.env} / ${snippet.target} (${connection.kind}).`].filter(Boolean).join(' ') });
  if (decision.needsApproval && !msg.approval) {
    return reject('approval_required', `This is an escalation step: it runs only with an approval from ${snippet.approver ?? 'an approver'}.`, 'Request approval from the step; the run unlocks once someone else approves it.');
  }

  // Write-ahead: the run's record exists before anything irreversible (spending the approval, the statement).
  const opening = randomUUID();
  runId = opening;
  const recordOpened = deps.audit.record(entry('running'));
  const command = commandBlockRunner(snippet.lang, deps);
  const limits = deps.config.limits;
  const monitor: CheckRun | null = isMonitor(snippet)
    ? { key: msg.snippet, snippet, env: msg.env, resolvedParams, runId: opening, ranBy: identity.user, origin: msg.origin ?? 'page', now: deps.checkNow ?? now, history: deps.checks ?? null, log: deps.log ?? ((m) => console.error(`opsbook: ${m}`)) }
    : null;
  // A SQL statement's engine may connect, open its transaction and prepare while the record is written (the
  // record's fsync is most of a small read's time to first row); it runs the statement only once `admit(true)`,
  // which comes after the record is durable and the run accepted. With an approval to spend first, nothing starts early.
  let admit: (ok: boolean) => void = () => undefined;
  const admitted = new Promise<boolean>((resolve) => (admit = resolve));
  const statement = (ready: Promise<boolean>) =>
    streamStatement({ deps, identity, msg, snippet, binds: bound.binds, opening, monitor, signal, channel, ready, counted: (n) => (rowCount += n) });
  const early = command || decision.needsApproval ? null : statement(admitted);
  // Settled here if it fails while the record is written; its error is read where it is awaited.
  early?.catch(() => undefined);
  /**
   * The run stops before its statement: an early start then runs nothing (its engine throws at `ready`, or
   * never gets the statement) and closes its connection by itself; the `done` need not wait for that.
   */
  const unwind = () => admit(false);
  const opened = await recordOpened;
  if (!opened) {
    runId = null;
    unwind();
    return { type: 'done', id: msg.id, status: 'rejected', rowCount: 0, truncated: false, elapsedMs: Math.round(performance.now() - t0), error: UNAUDITED };
  }
  if (decision.needsApproval) {
    let problem: string | null;
    try {
      problem = deps.approvals
        ? await deps.approvals.consumeFor(identity, msg.approval!, { snippet: msg.snippet, sha256: msg.sha256, env: msg.env, params: bound.resolved })
        : 'Approvals are not available on this server.';
    } catch (error) {
      return finish('rejected', { ...UNAUDITED, message: `The approval could not be checked: ${(error as Error).message}` });
    }
    if (problem) return reject('approval_invalid', problem);
  }
  if (signal.aborted) {
    unwind();
    return finish('cancelled', { code: 'cancelled', message: 'Cancelled before it started.' });
  }

  channel.send({ type: 'accepted', id: msg.id, runId: opening, startedAt: started.toISOString() });
  admit(true);
  try {
    // Airflow and the systems' command blocks, by language (server/execution/commandBlocks.ts).
    if (command) {
      const starter = deps.runStarters ? { starter: { user: identity.user, env: msg.env, target: snippet.target, registry: deps.runStarters } } : {};
      const docPath = deps.manifest.current().runbooks?.[snippet.runbook]?.docPath ?? null;
      const source = { runbook: snippet.runbook, snippet: msg.snippet, runId: opening, user: identity.user, env: msg.env, page: docPath ? `${docPath}${snippet.step ? `#${snippet.step}` : ''}` : null };
      // A read command with a condition is a check: its grid is what the condition judges.
      const grid = monitor ? observeGrid(channel) : null;
      const outcome = await command({ env: msg.env, target: snippet.target, text: snippet.text, binds: bound.binds, preview: msg.preview === true, confirmed: msg.confirmed === true, id: msg.id, channel: grid?.channel ?? channel, signal, maxRows: limits.rowsPerRun, source, ...starter });
      rowCount = outcome.rowCount;
      truncated = outcome.truncated;
      dryRun = outcome.dryRun;
      if (monitor && grid && outcome.status === 'succeeded') {
        check = await judgeAndRecord(monitor, grid.observation());
        return finish(check.passed ? 'succeeded' : 'failed');
      }
      if (monitor && outcome.status === 'failed') await recordFailedCheck(monitor, outcome.error?.message ?? 'the command failed');
      return finish(outcome.status, outcome.error && outcome.status === 'failed' ? located(outcome.error) : outcome.error);
    }
    const { outcome, spill, columnNames, firstRow, expectCheck } = await (early ?? statement(Promise.resolve(true)));
    truncated = outcome.truncated;
    const kept = await spill?.finish();
    if (kept?.truncated) truncated = true;
    if (kept) channel.send({ type: 'kept', id: msg.id, runId: opening, rows: kept.rows, truncated, expiresAt: kept.expiresAt });
    rowsAffected = outcome.rowsAffected ?? null;
    rolledBack = outcome.rolledBack === true;
    // A truncated result still knows "at least N rows"; the check sees the rows that were read.
    if (expectCheck) check = evaluateExpect(expectCheck, outcome.rowCount, outcome.firstValue, rowsAffected);
    if (monitor) check = await judgeAndRecord(monitor, { rowCount: outcome.rowCount, columns: columnNames, firstRow });
    if (check && rolledBack) check = { passed: false, detail: `${check.detail}. The write was rolled back: nothing changed.` };
    return finish(check && !check.passed ? 'failed' : 'succeeded');
  } catch (error) {
    const e = error instanceof ConnectorError ? error : new ConnectorError('connector_error', (error as Error).message);
    // A run cancelled because its page never came back (ws/runStreams.ts) is recorded with that reason.
    if (e.code === 'cancelled') return finish('cancelled', { code: 'cancelled', message: signal.reason instanceof Error && signal.reason.name === 'RunAbandoned' ? signal.reason.message : e.message });
    if (monitor) await recordFailedCheck(monitor, e.message);
    return finish('failed', located({ code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) }));
  }
}
