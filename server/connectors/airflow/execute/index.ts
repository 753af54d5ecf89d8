/**
 * Runs one `airflow run` snippet: resolves the command with its bound parameters (the shared grammar),
 * translates it into REST calls, and streams the outcome through the run's channel — `state` and `log`
 * messages while DAG runs are followed, columns and rows for reads and clear previews. It never sends
 * `done`: the runner does, from the outcome returned here.
 */
import { resolveAirflowCommand, type AirflowCommand } from '../../../../plugins/remark-runbook/syntax/airflowCommand';
import type { BoundValue } from '../../../../plugins/remark-runbook/syntax/params';
import type { RunError } from '../../../protocol';
import { ConnectorError } from '../../types';
import type { AirflowClient } from '../types';
import { output, type AirflowChannel, type Output } from './channel';
import { Cancelled } from './follow';
import { backfill, clearTasks, triggerDag } from './writes';
import { previewTrigger } from './triggerPreview';
import { readLogs, reads, setPaused, setVariable } from './commands';
import type { RunStarters } from './runStarters';

/** Who started a DAG run from a block, kept so answers to its required actions can be checked. */
export interface AirflowStarter {
  readonly user: string;
  readonly env: string;
  readonly target: string;
  readonly registry: RunStarters;
}

export interface AirflowRunInput {
  readonly client: AirflowClient;
  /** The snippet's command, as the manifest holds it. */
  readonly text: string;
  readonly binds: Readonly<Record<string, BoundValue>>;
  /** For a clear or a trigger: list what would happen, change nothing. */
  readonly preview: boolean;
  /**
   * The operator confirmed the write after its preview. A trigger without it is previewed only: starting
   * a DAG run cannot be undone, so the server never does it on an unconfirmed request, whatever the page.
   */
  readonly confirmed: boolean;
  /** The page's run id: every message carries it. */
  readonly id: string;
  readonly channel: AirflowChannel;
  readonly signal: AbortSignal;
  readonly maxRows: number;
  readonly pollMs: number;
  /** Who runs the block, where: the runs it starts are recorded as theirs (required actions, escalation steps). */
  readonly starter?: AirflowStarter;
}

export interface AirflowOutcome {
  readonly status: 'succeeded' | 'failed' | 'cancelled';
  readonly rowCount: number;
  readonly truncated: boolean;
  /** It only listed what would happen (a clear's or a trigger's preview). */
  readonly dryRun: boolean;
  readonly error?: RunError;
}

export interface CommandContext {
  readonly client: AirflowClient;
  readonly out: Output;
  readonly signal: AbortSignal;
  readonly pollMs: number;
  readonly preview: boolean;
  readonly maxRows: number;
  /** Records a DAG run this block started (triggered, cleared, backfilled) as the operator's. */
  readonly started: (runId: string, dagId: string) => void;
}

export type CommandResult = { readonly rowCount: number; readonly truncated: boolean; readonly failure?: RunError };

export async function executeAirflowSnippet(input: AirflowRunInput): Promise<AirflowOutcome> {
  const resolved = resolveAirflowCommand(input.text, input.binds);
  if (!resolved.ok) return { status: 'failed', rowCount: 0, truncated: false, dryRun: input.preview, error: { code: 'invalid_params', message: resolved.message } };
  const name = resolved.command.name;
  if (input.preview && !PREVIEWABLE.has(name)) {
    // Only clears and triggers have a dry run; anything else asked to preview must not act.
    return { status: 'failed', rowCount: 0, truncated: false, dryRun: true, error: { code: 'bad_message', message: `"${name}" has no dry run: only tasks clear and dags trigger can be previewed.`, hint: 'Run it without preview.' } };
  }
  const preview = input.preview || (name === 'dags trigger' && !input.confirmed);
  const ctx: CommandContext = {
    client: input.client, out: output(input.channel, input.id, input.maxRows), signal: input.signal, pollMs: input.pollMs, preview, maxRows: input.maxRows,
    started: (runId, dagId) => input.starter?.registry.record({ env: input.starter.env, target: input.starter.target, dagId, runId }, input.starter.user),
  };
  try {
    const result = await run(resolved.command, ctx);
    return { status: result.failure ? 'failed' : 'succeeded', rowCount: result.rowCount, truncated: result.truncated, dryRun: preview, ...(result.failure ? { error: result.failure } : {}) };
  } catch (error) {
    if (error instanceof Cancelled || input.signal.aborted || (error instanceof ConnectorError && error.code === 'cancelled')) {
      return { status: 'cancelled', rowCount: 0, truncated: false, dryRun: preview, error: { code: 'cancelled', message: new Cancelled().message } };
    }
    const e = error instanceof ConnectorError ? error : new ConnectorError('connector_error', (error as Error).message);
    const code = e.code === 'cancelled' ? 'cancelled' : e.code;
    return { status: 'failed', rowCount: 0, truncated: false, dryRun: preview, error: { code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
  }
}

const PREVIEWABLE: ReadonlySet<AirflowCommand['name']> = new Set(['tasks clear', 'dags trigger']);

function run(command: AirflowCommand, ctx: CommandContext): Promise<CommandResult> {
  switch (command.name) {
    case 'dags trigger':
      return ctx.preview ? previewTrigger(command, ctx) : triggerDag(command, ctx);
    case 'tasks clear':
      return clearTasks(command, ctx);
    case 'dags state':
    case 'dags list-runs':
    case 'tasks states-for-dag-run':
    case 'variables get':
      return reads(command, ctx);
    case 'tasks logs':
      return readLogs(command, ctx);
    case 'dags pause':
    case 'dags unpause':
      return setPaused(command, ctx);
    case 'variables set':
      return setVariable(command, ctx);
    case 'dags backfill':
      return backfill(command, ctx);
  }
}
