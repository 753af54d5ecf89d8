/**
 * The Airflow CLI grammar of `airflow run` blocks (DESIGN.md §6.3), shared by the remark plugin, the
 * linter and the server. The grammar lives in ./airflow/; this module keeps the entry points extract.ts
 * and the server use.
 */
import type { ParamSpec } from '../types';
import { COMMANDS } from './airflow/commands';
import { parseAirflowCommand } from './airflow/grammar';
import { positionOf } from './airflow/tokenize';

export { COMMANDS as AIRFLOW_COMMANDS } from './airflow/commands';
export { parseAirflowCommand, resolveAirflowCommand, type AirflowCommand, type RunRef, type DagRunStateName } from './airflow/grammar';

export type AirflowCommandCheck =
  | { readonly command: string; readonly write: boolean }
  /** `lineOffset` counts lines after the block's first line; `column` is 1-based. */
  | { readonly error: string; readonly lineOffset: number; readonly column: number };

/**
 * Checks a block's command at build time: the words, flags and arguments, literal values by their
 * position, and parameters against their declared types when `params` is given.
 */
export function airflowCommandOf(text: string, params?: readonly ParamSpec[]): AirflowCommandCheck {
  const types = params ? Object.fromEntries(params.map((p) => [p.name, p.type])) : undefined;
  const parsed = parseAirflowCommand(text, types);
  if (!parsed.ok) return { error: parsed.message, ...positionOf(text, parsed.offset) };
  return { command: parsed.command.name, write: COMMANDS[parsed.command.name].write };
}

/** `{{name}}` parameters of an Airflow command. */
export function findTemplateParams(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]!);
}
