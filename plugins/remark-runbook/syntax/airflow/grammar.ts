/**
 * Parses the one command of an `airflow run` block, strictly: known command words, known flags, every
 * argument present, nothing left over. `{{name}}` parameters are substituted only after the words are
 * split, and every value is checked for its position, so a parameter value can never become a flag or a
 * second command. The plugin and the linter call `parseAirflowCommand` (errors carry their offset); the
 * server calls `resolveAirflowCommand` with the bound parameter values and gets a typed command.
 */
import type { BoundValue } from '../params';
import { COMMANDS, isCommandName, type CommandName, type CommandSpec, type OptionSpec } from './commands';
import { tokenize, type Token } from './tokenize';
import { checkValue, endOfDay, parseDate, PARAM_TYPES_FOR, type ValueKind } from './values';

const TEMPLATE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const WHOLE_TEMPLATE = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

export interface ParsedArgument {
  readonly kind: ValueKind;
  /** As written, templates included. */
  readonly text: string;
  readonly start: number;
  /** How messages name it: "DAG_ID" or "--start-date". */
  readonly what: string;
}

export interface ParsedCommand {
  readonly name: CommandName;
  readonly write: boolean;
  readonly args: Readonly<Record<string, ParsedArgument>>;
  readonly flags: ReadonlySet<string>;
}

export type ParseResult =
  | { readonly ok: true; readonly command: ParsedCommand }
  | { readonly ok: false; readonly message: string; readonly offset: number };

/** Declared parameter types by name, so a parameter can be checked against the place it fills. */
export type ParamTypes = Readonly<Record<string, string>>;

const fail = (message: string, offset: number): ParseResult => ({ ok: false, message, offset });

export function parseAirflowCommand(text: string, paramTypes?: ParamTypes): ParseResult {
  const tokenized = tokenize(text);
  if (!tokenized.ok) return fail(tokenized.message, tokenized.offset);
  let tokens = tokenized.tokens;
  if (tokens[0]?.text === 'airflow') tokens = tokens.slice(1);
  if (tokens.length === 0) return fail(`The block has no Airflow command. Write one of: ${Object.keys(COMMANDS).join(', ')}.`, 0);
  const name = tokens.slice(0, 2).map((t) => t.text).join(' ');
  if (!isCommandName(name)) {
    return fail(`"${name}" is not a supported Airflow command. Use one of: ${Object.keys(COMMANDS).join(', ')}.`, tokens[0]!.start);
  }
  // Before the structure: a broken `{{` would otherwise surface as a confusing stray word.
  const malformed = tokens.find((t) => t.text.replace(TEMPLATE, '').includes('{{'));
  if (malformed) return fail('This word has a malformed parameter; write parameters as {{name}} (letters, digits and _), with no spaces inside the braces other than around the name.', malformed.start);
  const spec: CommandSpec = COMMANDS[name];
  const structure = readArguments(name, spec, tokens.slice(2), text.trimEnd().length);
  if (!structure.ok) return structure;
  for (const arg of Object.values(structure.command.args)) {
    const problem = checkArgument(arg, paramTypes);
    if (problem) return fail(problem, arg.start);
  }
  return structure;
}

function readArguments(name: CommandName, spec: CommandSpec, tokens: readonly Token[], endOffset: number): ParseResult {
  const usage = `Usage: ${spec.usage}.`;
  const args: Record<string, ParsedArgument> = {};
  const flags = new Set<string>();
  let positional = 0;
  const isFlagLike = (t: Token) => t.text.startsWith('-') && t.text.length > 1 && !/^-\d/.test(t.text);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!isFlagLike(token)) {
      const p = spec.positionals[positional];
      if (!p) return fail(`Unexpected "${token.text}" after the arguments of "${name}". ${usage}`, token.start);
      args[p.key] = { kind: p.kind, text: token.text, start: token.start, what: p.label };
      positional++;
      continue;
    }
    const [flagText, inline] = token.text.startsWith('--') && token.text.includes('=') ? [token.text.slice(0, token.text.indexOf('=')), token.text.slice(token.text.indexOf('=') + 1)] : [token.text, undefined];
    const combined = !flagText.startsWith('--') && flagText.length > 2 ? [...flagText.slice(1)].map((c) => `-${c}`) : [flagText];
    const options = combined.map((f) => spec.options.find((o) => o.long === f || o.short === f));
    const unknown = combined.findIndex((_, k) => !options[k]);
    if (unknown >= 0) {
      const known = spec.options.map((o) => (o.short ? `${o.short}/${o.long}` : o.long)).join(', ');
      return fail(`Unknown flag "${combined.length > 1 ? flagText : combined[unknown]}" for "${name}"${known ? ` (it takes ${known})` : ' (it takes no flags)'}. ${usage}`, token.start);
    }
    if (combined.length > 1 && options.some((o) => o!.kind !== 'flag')) {
      return fail(`"${flagText}" combines flags that take values; write each flag separately. ${usage}`, token.start);
    }
    for (const option of options as OptionSpec[]) {
      if (flags.has(option.key) || args[option.key]) return fail(`${option.long} is given twice; keep one.`, token.start);
      if (option.kind === 'flag') {
        if (inline !== undefined) return fail(`${option.long} is a flag and takes no value; remove "=${inline}".`, token.start);
        flags.add(option.key);
        continue;
      }
      if (inline !== undefined) {
        args[option.key] = { kind: option.kind, text: inline, start: token.start + flagText.length + 1, what: option.long };
        continue;
      }
      const value = tokens[i + 1];
      if (!value || isFlagLike(value)) return fail(`${flagText} needs a value (${option.label ?? 'VALUE'}). ${usage}`, token.start);
      args[option.key] = { kind: option.kind, text: value.text, start: value.start, what: option.long };
      i++;
    }
  }
  const missing = spec.positionals[positional];
  if (missing) return fail(`"${name}" needs ${missing.label}. ${usage}`, endOffset);
  const required = spec.options.find((o) => o.required && !args[o.key]);
  if (required) return fail(`"${name}" needs ${required.short ? `${required.short}/` : ''}${required.long} ${required.label ?? ''}. ${usage}`.replace(' .', '.'), endOffset);
  return { ok: true, command: { name, write: spec.write, args, flags } };
}

/** Build-time check of one argument: literal words fully; parameters against their declared type. */
function checkArgument(arg: ParsedArgument, paramTypes: ParamTypes | undefined): string | null {
  const names = [...arg.text.matchAll(TEMPLATE)].map((m) => m[1]!);
  if (names.length === 0 || arg.kind === 'json') {
    const checked = checkValue(arg.kind, arg.text, arg.what);
    if (checked.ok) return null;
    return arg.kind === 'json' && names.length > 0 ? `${checked.message} Parameters go inside JSON strings, e.g. {"business_date": "{{business_date}}"}.` : checked.message;
  }
  const whole = WHOLE_TEMPLATE.exec(arg.text);
  const allowed = PARAM_TYPES_FOR[arg.kind];
  const type = whole && paramTypes ? paramTypes[whole[1]!] : undefined;
  if (type && allowed !== 'any' && !allowed.some((a) => type === a || type.startsWith(`${a}(`))) {
    return `Parameter "${whole![1]}" is declared as ${type}, but ${arg.what} takes ${describeKind(arg.kind)}; declare it as ${allowed.join(' or ')}.`;
  }
  return null;
}

function describeKind(kind: ValueKind): string {
  return { dag_id: 'a DAG id', task_id: 'a task id', key: 'a variable key', run: 'a run id', date: 'a date', json: 'JSON', regex: 'a regex', count: 'a whole number', map_index: 'a map index', state: 'a run state', text: 'text' }[kind];
}

// ---------------------------------------------------------------------------------------------- resolve

/** A run by id, or by logical date (`wholeDay` when only a date was written: any run that day). */
export type RunRef = { readonly runId: string } | { readonly logicalDate: string; readonly wholeDay: boolean };
export type DagRunStateName = 'queued' | 'running' | 'success' | 'failed';

export type AirflowCommand =
  | { readonly name: 'dags trigger'; readonly dagId: string; readonly conf: Readonly<Record<string, unknown>> | null; readonly logicalDate: string | null }
  | { readonly name: 'dags state'; readonly dagId: string; readonly run: RunRef }
  | { readonly name: 'dags list-runs'; readonly dagId: string; readonly state: DagRunStateName | null; readonly limit: number | null }
  | { readonly name: 'tasks states-for-dag-run'; readonly dagId: string; readonly run: RunRef }
  | {
      readonly name: 'tasks clear';
      readonly dagId: string;
      readonly taskRegex: string;
      /** Inclusive logical-date bounds; a date-only end covers its whole day. */
      readonly startDate: string | null;
      readonly endDate: string | null;
      readonly onlyFailed: boolean;
      readonly downstream: boolean;
      readonly upstream: boolean;
    }
  | {
      readonly name: 'tasks logs';
      readonly dagId: string;
      readonly run: RunRef;
      readonly taskId: string;
      readonly tryNumber: number | null;
      /** One instance of a mapped task; null: the task's only instance, or every map index in turn. */
      readonly mapIndex: number | null;
    }
  | { readonly name: 'dags pause' | 'dags unpause'; readonly dagId: string }
  | { readonly name: 'variables get'; readonly key: string }
  | { readonly name: 'variables set'; readonly key: string; readonly value: string }
  /** Inclusive logical-date bounds; a date-only end covers its whole day, as for tasks clear. */
  | { readonly name: 'dags backfill'; readonly dagId: string; readonly startDate: string; readonly endDate: string };

export type ResolveResult = { readonly ok: true; readonly command: AirflowCommand } | { readonly ok: false; readonly message: string };

/** Substitutes bound parameters into the parsed words, checks every value, and builds the typed command. */
export function resolveAirflowCommand(text: string, values: Readonly<Record<string, BoundValue>>): ResolveResult {
  const parsed = parseAirflowCommand(text);
  if (!parsed.ok) return { ok: false, message: parsed.message };
  const { name, args, flags } = parsed.command;
  const v: Record<string, string> = {};
  let conf: Record<string, unknown> | null = null;
  for (const [key, arg] of Object.entries(args)) {
    const missing = [...arg.text.matchAll(TEMPLATE)].map((m) => m[1]!).find((n) => !values[n]);
    if (missing) return { ok: false, message: `Parameter "${missing}" has no value.` };
    if (arg.kind === 'json') {
      conf = substituteJson(JSON.parse(arg.text) as Record<string, unknown>, values);
      continue;
    }
    // A value in a task regex is part of the regex (runbooks offer task_regex parameters); it must compile,
    // and it can only select tasks of the DAG the snippet names, which a clear previews before it clears.
    const substituted = arg.text.replace(TEMPLATE, (_, n: string) => String(values[n]!.value));
    const checked = checkValue(arg.kind, substituted, arg.what);
    if (!checked.ok) return { ok: false, message: checked.message };
    v[key] = substituted;
  }
  return { ok: true, command: build(name, v, flags, conf) };
}

function build(name: CommandName, v: Readonly<Record<string, string>>, flags: ReadonlySet<string>, conf: Record<string, unknown> | null): AirflowCommand {
  const dagId = v.dagId ?? '';
  const date = (key: string) => (v[key] === undefined ? null : parseDate(v[key]!)!);
  switch (name) {
    case 'dags trigger':
      return { name, dagId, conf, logicalDate: date('logicalDate')?.iso ?? null };
    case 'dags state':
    case 'tasks states-for-dag-run':
      return { name, dagId, run: runRef(v.run!) };
    case 'dags list-runs':
      return { name, dagId, state: (v.state as DagRunStateName | undefined) ?? null, limit: v.limit ? Number(v.limit) : null };
    case 'tasks clear': {
      const end = date('endDate');
      return {
        name, dagId, taskRegex: v.taskRegex!, startDate: date('startDate')?.iso ?? null,
        endDate: end ? endOfDay(end) : null,
        onlyFailed: flags.has('onlyFailed'), downstream: flags.has('downstream'), upstream: flags.has('upstream'),
      };
    }
    case 'tasks logs':
      return { name, dagId, run: runRef(v.run!), taskId: v.taskId!, tryNumber: v.tryNumber ? Number(v.tryNumber) : null, mapIndex: v.mapIndex === undefined ? null : Number(v.mapIndex) };
    case 'dags pause':
    case 'dags unpause':
      return { name, dagId };
    case 'variables get':
      return { name, key: v.key! };
    case 'variables set':
      return { name, key: v.key!, value: v.value! };
    case 'dags backfill':
      // A scheduled run's logical date is its schedule time (02:00, say): a midnight end would leave out the
      // -e day's run and, for -s D -e D, create an empty backfill.
      return { name, dagId, startDate: date('startDate')!.iso, endDate: endOfDay(date('endDate')!) };
  }
}

/** Like the CLI's execution_date_or_run_id: a date is a logical date, anything else a run id. */
function runRef(text: string): RunRef {
  const d = parseDate(text);
  return d ? { logicalDate: d.iso, wholeDay: d.dateOnly } : { runId: text };
}

/**
 * Parameters inside JSON fill string values only (the JSON was parsed first, so a value cannot add keys
 * or close the object). A string that is exactly one `{{n}}` of a numeric parameter becomes a number.
 */
function substituteJson(value: Record<string, unknown>, values: Readonly<Record<string, BoundValue>>): Record<string, unknown> {
  const walk = (x: unknown): unknown => {
    if (typeof x === 'string') {
      const whole = WHOLE_TEMPLATE.exec(x);
      const bound = whole ? values[whole[1]!] : undefined;
      if (bound && (bound.type === 'int' || bound.type === 'number')) return bound.value;
      return x.replace(TEMPLATE, (_, n: string) => String(values[n]?.value ?? ''));
    }
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, e]) => [walk(k) as string, walk(e)]));
    return x;
  };
  return walk(value) as Record<string, unknown>;
}
