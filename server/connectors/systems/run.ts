/**
 * Runs one command-block snippet of any system: resolves the command with its bound parameters (the
 * system's grammar), decides whether it only previews, and lets the system's executor stream log, state and
 * rows through the run's channel. It never sends `done`: the runner does, from the outcome returned here.
 */
import { resolveCommand } from '../../../plugins/remark-runbook/syntax/systems/grammar';
import { output } from '../airflow/execute/channel';
import { ConnectorError, type CommandOutcome, type CommandRun } from '../types';
import { grid } from './grid';
import type { OpenSystem, SystemEntry } from './types';

export interface SystemRunInput extends CommandRun {
  readonly system: SystemEntry;
  readonly open: OpenSystem;
}

export type SystemOutcome = CommandOutcome;

export async function executeSystemSnippet(input: SystemRunInput): Promise<SystemOutcome> {
  const g = input.system.grammar;
  const resolved = resolveCommand(g, input.text, input.binds);
  if (!resolved.ok) return { status: 'failed', rowCount: 0, truncated: false, dryRun: input.preview, error: { code: 'invalid_params', message: resolved.message } };
  const { command } = resolved;
  if (input.preview && !command.write) {
    return {
      status: 'failed', rowCount: 0, truncated: false, dryRun: true,
      error: { code: 'bad_message', message: `"${g.program} ${command.name}" only reads: it has no dry run.`, hint: 'Run it without preview.' },
    };
  }
  // A write (a job run, a page) cannot be undone: without the operator's confirmation it is only previewed.
  const preview = input.preview || (command.write && !input.confirmed);
  const rows = grid(input.channel, input.id, input.maxRows);
  try {
    const result = await input.open.run(command, { out: output(input.channel, input.id, input.maxRows), grid: rows, signal: input.signal, preview, maxRows: input.maxRows, ...(input.source ? { source: input.source } : {}) });
    return { status: result.failure ? 'failed' : 'succeeded', rowCount: rows.rowCount, truncated: rows.truncated, dryRun: preview, ...(result.failure ? { error: result.failure } : {}) };
  } catch (error) {
    if (input.signal.aborted || (error instanceof ConnectorError && error.code === 'cancelled')) {
      return { status: 'cancelled', rowCount: rows.rowCount, truncated: rows.truncated, dryRun: preview, error: { code: 'cancelled', message: 'Cancelled.' } };
    }
    const e = error instanceof ConnectorError ? error : new ConnectorError('connector_error', (error as Error).message);
    return { status: 'failed', rowCount: rows.rowCount, truncated: rows.truncated, dryRun: preview, error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
  }
}
