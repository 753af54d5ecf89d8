import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunbookSource } from '../parseFile';
import { extractRunbook } from '../extract';
import { airflowCommandOf, resolveAirflowCommand } from './airflowCommand';
import type { BoundValue } from './params';

const fixtures = path.join(__dirname, '..', '__fixtures__');

function lint(name: string) {
  const file = `__fixtures__/${name}.mdx`;
  const source = fs.readFileSync(path.join(fixtures, `${name}.mdx`), 'utf8');
  const parsed = parseRunbookSource(source, file);
  const extracted = extractRunbook({ tree: parsed.tree, frontMatter: parsed.frontMatter, file, source });
  return { diagnostics: [...parsed.diagnostics, ...extracted.diagnostics], extracted };
}

const date = (value: string): BoundValue => ({ type: 'date', value });
const str = (value: string): BoundValue => ({ type: 'string', value });

describe('every Airflow command of the grammar', () => {
  const { diagnostics, extracted } = lint('airflow-valid');
  const block = (id: string) => extracted.blocks.find((b) => b.id === id)!;

  it('builds without errors or warnings', () => {
    expect(diagnostics).toEqual([]);
    expect(extracted.blocks).toHaveLength(13);
  });

  it('makes writes mode=write whatever the fence says, and leaves reads as reads', () => {
    const modes = Object.fromEntries(extracted.blocks.map((b) => [b.id, b.mode]));
    expect(modes).toEqual({
      trigger: 'write', 'trigger-at': 'write', state: 'read', 'list-runs': 'read', states: 'read', clear: 'write', 'clear-long': 'write',
      logs: 'read', pause: 'write', unpause: 'write', 'var-get': 'read', 'var-set': 'write', backfill: 'write',
    });
  });

  it('resolves a trigger with its conf, parameters filling JSON strings only', () => {
    const r = resolveAirflowCommand(block('trigger').text, { business_date: date('2025-03-04') });
    expect(r).toEqual({ ok: true, command: { name: 'dags trigger', dagId: 'etl_date_control_update_dag', conf: { business_date: '2025-03-04', source: 'opsbook' }, logicalDate: null } });
  });

  it('resolves a trigger at a logical date given with = in a long flag', () => {
    const r = resolveAirflowCommand(block('trigger-at').text, { logical_date: { type: 'datetime', value: '2025-03-04 01:00:00' } });
    expect(r).toEqual({ ok: true, command: { name: 'dags trigger', dagId: 'cdm_ldz_to_rdv', conf: {}, logicalDate: '2025-03-04T01:00:00Z' } });
  });

  it('reads a run id, or a date as a logical date, like the CLI', () => {
    expect(resolveAirflowCommand(block('state').text, { run_id: str('manual__2025-03-04T00:00:00+00:00') })).toMatchObject({ command: { name: 'dags state', run: { runId: 'manual__2025-03-04T00:00:00+00:00' } } });
    expect(resolveAirflowCommand(block('states').text, { logical_date: date('2025-03-03') })).toMatchObject({ command: { name: 'tasks states-for-dag-run', run: { logicalDate: '2025-03-03T00:00:00Z' } } });
  });

  it('resolves list-runs with a state and a limit', () => {
    expect(resolveAirflowCommand(block('list-runs').text, { state: str('failed') })).toEqual({ ok: true, command: { name: 'dags list-runs', dagId: 'cdm_ldz_to_rdv', state: 'failed', limit: 20 } });
  });

  it('resolves a clear across a continued line, a date-only end covering its whole day', () => {
    const r = resolveAirflowCommand(block('clear').text, { from: date('2025-03-03'), to: date('2025-03-04') });
    expect(r).toEqual({
      ok: true,
      command: { name: 'tasks clear', dagId: 'cdm_ldz_to_rdv', taskRegex: '^(load_hubs|check_rdv_keys)$', startDate: '2025-03-03T00:00:00Z', endDate: '2025-03-04T23:59:59.999999Z', onlyFailed: true, downstream: true, upstream: true },
    });
    expect(resolveAirflowCommand(block('clear-long').text, { task: str('load_hubs') })).toMatchObject({
      command: { taskRegex: 'load_hubs', startDate: '2025-01-01T00:00:00Z', endDate: '2025-01-31T06:00:00Z', onlyFailed: false, downstream: true, upstream: false },
    });
  });

  it('resolves logs, pause, unpause, variables and backfill', () => {
    expect(resolveAirflowCommand(block('logs').text, { run_id: str('r1'), task: str('load_links') })).toEqual({ ok: true, command: { name: 'tasks logs', dagId: 'cdm_ldz_to_rdv', run: { runId: 'r1' }, taskId: 'load_links', tryNumber: 2, mapIndex: null } });
    expect(resolveAirflowCommand(block('pause').text, {})).toEqual({ ok: true, command: { name: 'dags pause', dagId: 'cdm_ldz_to_rdv' } });
    expect(resolveAirflowCommand(block('unpause').text, {})).toEqual({ ok: true, command: { name: 'dags unpause', dagId: 'cdm_ldz_to_rdv' } });
    expect(resolveAirflowCommand(block('var-get').text, {})).toEqual({ ok: true, command: { name: 'variables get', key: 'cdm_target_env' } });
    expect(resolveAirflowCommand(block('var-set').text, { env: str('snowflake') })).toEqual({ ok: true, command: { name: 'variables set', key: 'cdm_target_env', value: 'snowflake' } });
    expect(resolveAirflowCommand(block('backfill').text, { from: date('2025-01-01'), to: date('2025-01-07') })).toEqual({ ok: true, command: { name: 'dags backfill', dagId: 'cdm_aggregate_refresh', startDate: '2025-01-01T00:00:00Z', endDate: '2025-01-07T23:59:59.999999Z' } });
  });

  it('reads one map index of a mapped task with -m/--map-index (0 and up, -1 for not mapped)', () => {
    const run = { runId: 'r1' };
    expect(resolveAirflowCommand('tasks logs d r1 transform -m 2', {})).toEqual({ ok: true, command: { name: 'tasks logs', dagId: 'd', run, taskId: 'transform', tryNumber: null, mapIndex: 2 } });
    expect(resolveAirflowCommand('tasks logs d r1 transform --map-index={{i}} --try 1', { i: { type: 'int', value: 0 } })).toMatchObject({ ok: true, command: { mapIndex: 0, tryNumber: 1 } });
    expect(resolveAirflowCommand('tasks logs d r1 transform -m -1', {})).toMatchObject({ ok: true, command: { mapIndex: -1 } });
    expect(resolveAirflowCommand('tasks logs d r1 transform -m {{i}}', { i: str('2; rm') })).toMatchObject({ ok: false, message: /-m|--map-index/ });
    expect(airflowCommandOf('tasks logs d r1 transform -m {{i}}', [{ name: 'i', type: 'date' } as never])).toMatchObject({ error: /declared as date, but --map-index takes a map index; declare it as int/ });
  });

  it('a one-day backfill (-s D -e D) ends at the last instant of D, so the runs of that day are in it', () => {
    expect(resolveAirflowCommand('dags backfill d -s 2031-03-04 -e 2031-03-04', {})).toMatchObject({ ok: true, command: { startDate: '2031-03-04T00:00:00Z', endDate: '2031-03-04T23:59:59.999999Z' } });
    expect(resolveAirflowCommand('dags backfill d -s 2031-03-04 -e 2031-03-04T06:00:00Z', {})).toMatchObject({ ok: true, command: { endDate: '2031-03-04T06:00:00Z' } });
  });
});

describe('parameter values are data, never syntax', () => {
  it('cannot add a flag: a value that looks like a flag fails as a value', () => {
    const r = resolveAirflowCommand('dags state cdm_ldz_to_rdv {{d}}', { d: str('--help') });
    expect(r).toMatchObject({ ok: true, command: { run: { runId: '--help' } } });
    expect(resolveAirflowCommand('dags pause {{d}}', { d: str('-d x') })).toMatchObject({ ok: false, message: /DAG_ID "-d x" is not a valid dag id/ });
  });

  it('cannot add a second command or shell syntax', () => {
    expect(resolveAirflowCommand('variables set k {{v}}', { v: str('x; dags pause all\ndags unpause y') })).toEqual({ ok: true, command: { name: 'variables set', key: 'k', value: 'x; dags pause all\ndags unpause y' } });
  });

  it('cannot add JSON keys: quotes in a value stay inside its string', () => {
    const r = resolveAirflowCommand(`dags trigger d -c '{"a": "{{v}}"}'`, { v: str('", "admin": "true') });
    expect(r).toMatchObject({ ok: true, command: { conf: { a: '", "admin": "true' } } });
  });

  it('turns a whole-string numeric parameter into a JSON number', () => {
    expect(resolveAirflowCommand(`dags trigger d -c '{"n": "{{n}}", "s": "n={{n}}"}'`, { n: { type: 'int', value: 7 } })).toMatchObject({ command: { conf: { n: 7, s: 'n=7' } } });
  });

  it('takes a parameter in a task regex as part of the regex, which must compile', () => {
    expect(resolveAirflowCommand("tasks clear d -t '^{{t}}$'", { t: str('load_(hubs|links)') })).toMatchObject({ command: { taskRegex: '^load_(hubs|links)$' } });
    expect(resolveAirflowCommand("tasks clear d -t '^{{t}}$'", { t: str('load_(hubs') })).toMatchObject({ ok: false, message: /--task-regex "\^load_\(hubs\$" is not a regular expression that compiles/ });
  });

  it('checks a substituted date as a date', () => {
    expect(resolveAirflowCommand('dags backfill d -s {{a}} -e 2025-01-02', { a: str('yesterday-ish') })).toMatchObject({ ok: false, message: /--start-date "yesterday-ish" is not a date/ });
  });

  it('reports a parameter with no value', () => {
    expect(resolveAirflowCommand('dags pause {{d}}', {})).toEqual({ ok: false, message: 'Parameter "d" has no value.' });
  });
});

describe('airflowCommandOf keeps its contract for extract.ts', () => {
  it('returns the command and whether it writes', () => {
    expect(airflowCommandOf('airflow tasks clear d -t x')).toEqual({ command: 'tasks clear', write: true });
    expect(airflowCommandOf('variables get k')).toEqual({ command: 'variables get', write: false });
  });

  it('points at the word that is wrong, lines counted from the block', () => {
    expect(airflowCommandOf('dags trigger d \\\n  --bogus')).toMatchObject({ lineOffset: 1, column: 3 });
  });
});

const errors: [behaviour: string, fixture: string, line: number, column: number, message: RegExp][] = [
  ['rejects an unknown flag, listing the ones the command takes', 'airflow-unknown-flag', 11, 29, /Unknown flag "--wait" for "dags trigger" \(it takes -c\/--conf, -l\/--logical-date\)/],
  ['rejects a missing argument, with the usage', 'airflow-missing-argument', 11, 26, /"dags state" needs RUN_ID\. Usage: dags state DAG_ID RUN_ID/],
  ['rejects a stray word after the arguments', 'airflow-stray-token', 11, 27, /Unexpected "now" after the arguments of "dags pause"/],
  ['rejects conf that is not JSON', 'airflow-bad-json', 11, 32, /--conf is not valid JSON/],
  ['rejects a parameter outside a JSON string', 'airflow-json-param-outside-string', 11, 32, /not valid JSON.*Parameters go inside JSON strings/],
  ['rejects a date that does not exist', 'airflow-bad-date', 11, 33, /--start-date "2025-02-30" is not a date/],
  ['rejects a task regex that does not compile', 'airflow-bad-regex', 11, 31, /--task-regex "load_\(hubs" is not a regular expression that compiles/],
  ['rejects a clear without -t', 'airflow-missing-required-flag', 11, 41, /"tasks clear" needs -t\/--task-regex REGEX/],
  ['rejects a flag without its value', 'airflow-flag-missing-value', 11, 31, /--limit needs a value \(N\)/],
  ['rejects a flag given twice, short and long', 'airflow-flag-twice', 11, 44, /--downstream is given twice/],
  ['rejects a run state Airflow does not have', 'airflow-bad-state', 11, 39, /--state "done" is not a DAG run state; use one of queued, running, success, failed/],
  ['rejects a limit that is not a number', 'airflow-bad-limit', 11, 39, /--limit "ten" must be a whole number/],
  ['rejects a map index that is not one', 'airflow-bad-map-index', 11, 43, /--map-index "first" must be a map index/],
  ['rejects a DAG id Airflow would not accept', 'airflow-bad-dag-id', 11, 14, /DAG_ID "cdm ldz" is not a valid dag id/],
  ['rejects a second command in the block', 'airflow-two-commands', 12, 1, /holds exactly one command; this line starts a second one/],
  ['rejects shell syntax', 'airflow-shell-syntax', 11, 27, /"&" is shell syntax.*nothing runs in a shell/],
  ['rejects an unclosed quote', 'airflow-unclosed-quote', 11, 24, /' quote is never closed/],
  ['rejects a parameter whose type does not fit its place', 'airflow-param-type-mismatch', 11, 32, /Parameter "n" is declared as int, but --logical-date takes a date; declare it as date or datetime or string/],
  ['rejects a malformed parameter', 'airflow-malformed-template', 11, 32, /malformed parameter; write parameters as \{\{name\}\}/],
  ['rejects a value on a flag', 'airflow-flag-value-on-flag', 11, 33, /--downstream is a flag and takes no value/],
  ['still rejects an unknown command', 'airflow-unknown-command', 11, 1, /"dags explode" is not a supported Airflow command/],
];

describe('authoring errors in airflow blocks fail with file:line:column', () => {
  for (const [behaviour, fixture, line, column, message] of errors) {
    it(behaviour, () => {
      const found = lint(fixture).diagnostics.filter((d) => d.severity === 'error');
      expect(found.length, JSON.stringify(found, null, 1)).toBe(1);
      expect(found[0]!.message).toMatch(message);
      expect(found[0]).toMatchObject({ file: `__fixtures__/${fixture}.mdx`, line, column });
    });
  }
});
