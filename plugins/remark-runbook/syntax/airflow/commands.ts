/**
 * The Airflow CLI commands a runbook may use (DESIGN.md §6.3) and their arguments. One table drives the
 * parser, the messages and the usage lines, so the grammar is written down exactly once.
 */
import type { ValueKind } from './values';

export interface PositionalSpec {
  readonly key: string;
  readonly kind: ValueKind;
  /** As the usage line shows it, e.g. DAG_ID. */
  readonly label: string;
}

export interface OptionSpec {
  readonly key: string;
  readonly long: string;
  readonly short?: string;
  /** `flag` takes no value. */
  readonly kind: ValueKind | 'flag';
  readonly label?: string;
  readonly required?: boolean;
}

export interface CommandSpec {
  readonly write: boolean;
  readonly positionals: readonly PositionalSpec[];
  readonly options: readonly OptionSpec[];
  readonly usage: string;
}

const DAG: PositionalSpec = { key: 'dagId', kind: 'dag_id', label: 'DAG_ID' };
const RUN: PositionalSpec = { key: 'run', kind: 'run', label: 'RUN_ID' };

export const COMMANDS = {
  'dags trigger': {
    write: true,
    positionals: [DAG],
    options: [
      { key: 'conf', long: '--conf', short: '-c', kind: 'json', label: 'JSON' },
      { key: 'logicalDate', long: '--logical-date', short: '-l', kind: 'date', label: 'DATE' },
    ],
    usage: 'dags trigger DAG_ID [-c JSON] [-l DATE]',
  },
  'dags state': { write: false, positionals: [DAG, RUN], options: [], usage: 'dags state DAG_ID RUN_ID' },
  'dags list-runs': {
    write: false,
    positionals: [DAG],
    options: [
      { key: 'state', long: '--state', kind: 'state', label: 'STATE' },
      { key: 'limit', long: '--limit', kind: 'count', label: 'N' },
    ],
    usage: 'dags list-runs DAG_ID [--state queued|running|success|failed] [--limit N]',
  },
  'tasks states-for-dag-run': { write: false, positionals: [DAG, RUN], options: [], usage: 'tasks states-for-dag-run DAG_ID RUN_ID' },
  'tasks clear': {
    write: true,
    positionals: [DAG],
    options: [
      { key: 'taskRegex', long: '--task-regex', short: '-t', kind: 'regex', label: 'REGEX', required: true },
      { key: 'startDate', long: '--start-date', short: '-s', kind: 'date', label: 'DATE' },
      { key: 'endDate', long: '--end-date', short: '-e', kind: 'date', label: 'DATE' },
      { key: 'onlyFailed', long: '--only-failed', short: '-f', kind: 'flag' },
      { key: 'downstream', long: '--downstream', short: '-d', kind: 'flag' },
      { key: 'upstream', long: '--upstream', short: '-u', kind: 'flag' },
      // The CLI's "do not ask" flag: the page's preview and confirm take its place, so it changes nothing.
      { key: 'yes', long: '--yes', short: '-y', kind: 'flag' },
    ],
    usage: 'tasks clear DAG_ID -t REGEX [-s DATE] [-e DATE] [--only-failed] [-d] [-u]',
  },
  'tasks logs': {
    write: false,
    positionals: [DAG, RUN, { key: 'taskId', kind: 'task_id', label: 'TASK_ID' }],
    options: [
      { key: 'tryNumber', long: '--try', kind: 'count', label: 'N' },
      // A dynamically mapped task has one instance (and one log) per map index; without it, all are read.
      { key: 'mapIndex', long: '--map-index', short: '-m', kind: 'map_index', label: 'N' },
    ],
    usage: 'tasks logs DAG_ID RUN_ID TASK_ID [--try N] [-m MAP_INDEX]',
  },
  'dags pause': { write: true, positionals: [DAG], options: [], usage: 'dags pause DAG_ID' },
  'dags unpause': { write: true, positionals: [DAG], options: [], usage: 'dags unpause DAG_ID' },
  'variables get': { write: false, positionals: [{ key: 'key', kind: 'key', label: 'KEY' }], options: [], usage: 'variables get KEY' },
  'variables set': {
    write: true,
    positionals: [
      { key: 'key', kind: 'key', label: 'KEY' },
      { key: 'value', kind: 'text', label: 'VALUE' },
    ],
    options: [],
    usage: 'variables set KEY VALUE',
  },
  'dags backfill': {
    write: true,
    positionals: [DAG],
    options: [
      { key: 'startDate', long: '--start-date', short: '-s', kind: 'date', label: 'DATE', required: true },
      { key: 'endDate', long: '--end-date', short: '-e', kind: 'date', label: 'DATE', required: true },
    ],
    usage: 'dags backfill DAG_ID -s DATE -e DATE',
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}
