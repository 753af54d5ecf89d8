/**
 * The extension point for command-style block kinds (DESIGN.md "Command blocks"). A system is a folder:
 * its grammar (plugins/remark-runbook/syntax/systems), a connection kind of the configuration, a client,
 * and an executor that turns a resolved command into calls and streams log, state and table output through
 * the same channel as Airflow. `defineSystem` hides each system's client type behind one erased entry, so
 * the runner, --check-config and the approvals dispatch by language through a table.
 */
import type { SystemGrammar, ResolvedCommand } from '../../../plugins/remark-runbook/syntax/systems/grammar';
import type { ConnectionConfig } from '../../config';
import type { RunError } from '../../protocol';
import type { RunSource } from '../types';
import type { Output } from '../airflow/execute/channel';
import type { Grid } from './grid';

/** Addresses of the demo's own stand-ins for the systems (started with the server), by system. */
export interface DemoEndpoints {
  /** The demo's S3-compatible server, started on first use. */
  s3(): Promise<{
    readonly endpoint: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    /** Brings the demo S3 up to date with the demo pipeline before a block reads it (the extracts the demo wrote). */
    readonly refresh?: () => Promise<void>;
  }>;
  /** The demo's dbt Cloud stand-in (Administrative API v2), whose jobs rebuild the demo warehouse's tables. */
  dbtCloud(): Promise<{ readonly url: string; readonly accountId: number; readonly token: string }>;
  /** The demo's Tableau (REST API), whose extract refreshes record the dashboards' refresh in the demo warehouse. */
  tableau?(): Promise<{ readonly url: string; readonly site: string; readonly tokenName: string; readonly tokenSecret: string }>;
  /** The demo's Slack: one incoming webhook URL that takes every channel's posts and keeps them. */
  slack?(): Promise<{ readonly webhookUrl: (channel: string) => string; readonly opsbookUrl?: string }>;
  /** The demo's Databricks stand-in (Pipelines API 2.0), whose DLT pipeline rebuilds the demo warehouse's ecommerce tables. */
  databricks?(): Promise<{ readonly host: string; readonly token: string }>;
}

export interface SystemRunContext {
  readonly out: Output;
  /** Rows into the block's grid, streamed under the run's row cap. */
  readonly grid: Grid;
  readonly signal: AbortSignal;
  /**
   * Show what the write would do and change nothing: the page asks for it before a write, and the server
   * forces it on a write that is not `confirmed`. Every write command of a system has this dry run.
   */
  readonly preview: boolean;
  readonly maxRows: number;
  /** The runbook step and run this command comes from (absent outside a runbook run, e.g. in tests). */
  readonly source?: RunSource;
}

export interface SystemResult {
  /** The command ran but what it reports is a failure (a failed dbt run, an empty listing). */
  readonly failure?: RunError;
}

/** One opened connection of a system. */
export interface OpenSystem {
  run(command: ResolvedCommand, ctx: SystemRunContext): Promise<SystemResult>;
  /** For --check-config: reach the system and say what answered, or throw an actionable error. */
  probe(signal: AbortSignal): Promise<string>;
  close(): void;
}

export interface SystemEntry {
  readonly grammar: SystemGrammar;
  /** The connection `kind` in opsbook.config.yaml. */
  readonly kind: string;
  open(conn: ConnectionConfig, demo: DemoEndpoints): Promise<OpenSystem>;
}

export interface SystemDefinition<Conn extends ConnectionConfig, Client> {
  readonly grammar: SystemGrammar;
  readonly kind: Conn['kind'];
  isConnection(conn: ConnectionConfig): conn is Conn;
  connect(conn: Conn, demo: DemoEndpoints): Promise<Client>;
  run(client: Client, command: ResolvedCommand, ctx: SystemRunContext): Promise<SystemResult>;
  probe(client: Client, conn: Conn, signal: AbortSignal): Promise<string>;
  close(client: Client): void;
}

export function defineSystem<Conn extends ConnectionConfig, Client>(def: SystemDefinition<Conn, Client>): SystemEntry {
  return {
    grammar: def.grammar,
    kind: def.kind,
    async open(conn, demo) {
      if (!def.isConnection(conn)) {
        throw new Error(`a ${def.grammar.lang} block needs a {kind: ${def.kind}} connection; this one is ${conn.kind}`);
      }
      const client = await def.connect(conn, demo);
      return {
        run: (command, ctx) => def.run(client, command, ctx),
        probe: (signal) => def.probe(client, conn, signal),
        close: () => def.close(client),
      };
    },
  };
}
