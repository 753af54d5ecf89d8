/**
 * Command-style blocks by language: Airflow and every system of server/connectors/systems run through
 * one entry here, so the runner dispatches with a table lookup instead of a chain of language tests.
 * SQL is not here: it streams through the SQL connector registry with its checks and transactions.
 */
import type { Lang } from '../../plugins/remark-runbook/types';
import type { AirflowConnections } from '../connectors/airflow/connections';
import { executeAirflowSnippet, type AirflowStarter } from '../connectors/airflow/execute';
import { systemForLang } from '../connectors/systems/registry';
import type { SystemConnections } from '../connectors/systems/connections';
import { executeSystemSnippet } from '../connectors/systems/run';
import { ConnectorError, type CommandOutcome, type CommandRun } from '../connectors/types';

export interface CommandBlockInput extends CommandRun {
  readonly env: string;
  readonly target: string;
  /** Airflow: who started a DAG run from the block, so answers to its required actions can be checked. */
  readonly starter?: AirflowStarter;
}

export type CommandBlockOutcome = CommandOutcome;

export interface CommandBlockDeps {
  readonly airflow?: AirflowConnections;
  readonly systems?: SystemConnections;
}

export type CommandBlockRunner = (input: CommandBlockInput) => Promise<CommandBlockOutcome>;

/** The runner for a block language, or null for SQL (and for a language this server does not know). */
export function commandBlockRunner(lang: Lang, deps: CommandBlockDeps): CommandBlockRunner | null {
  if (lang === 'airflow') {
    return async (input) => {
      if (!deps.airflow) throw new ConnectorError('unavailable', 'Airflow snippets cannot run on this server: it has no Airflow connections.');
      const { client, pollMs } = deps.airflow.get(input.env, input.target);
      return executeAirflowSnippet({ client, text: input.text, binds: input.binds, preview: input.preview, confirmed: input.confirmed, id: input.id, channel: input.channel, signal: input.signal, maxRows: input.maxRows, pollMs, ...(input.starter ? { starter: input.starter } : {}) });
    };
  }
  const system = systemForLang(lang);
  if (!system) return null;
  return async (input) => {
    if (!deps.systems) throw new ConnectorError('unavailable', `${system.grammar.label} blocks cannot run on this server: it has no system connections.`);
    const { open } = await deps.systems.get(input.env, input.target, lang);
    return executeSystemSnippet({ system, open, text: input.text, binds: input.binds, preview: input.preview, confirmed: input.confirmed, id: input.id, channel: input.channel, signal: input.signal, maxRows: input.maxRows, ...(input.source ? { source: input.source } : {}) });
  };
}
