/**
 * The shared shape of command-style block kinds (S3, dbt Cloud, PagerDuty, Slack, and later Databricks or
 * Tableau): each system's grammar is a table of commands written in that vendor's own CLI words, parsed
 * here into positional arguments and flags with file:line:col diagnostics. A command's read/write class is
 * in its table, so a block's mode is derived from what it does, never from the fence. Runtime-free: the
 * remark plugin, the linter, the server and the page all import it.
 */
import type { ParamSpec } from '../../types';
import type { BoundValue } from '../params';
import { positionOf, tokenize, type Token } from '../airflow/tokenize';

/** Checks one value (literal at build time, substituted at run time); returns a message, or null when fine. */
export type ValueCheck = (value: string, what: string) => string | null;

export interface PositionalSpec {
  readonly key: string;
  /** How the message names it, e.g. `the S3 URI`. */
  readonly what: string;
  readonly check?: ValueCheck;
  readonly optional?: boolean;
}

export interface FlagSpec {
  /** Spellings, e.g. ['--steps', '--steps-override']; the first is the one messages use. */
  readonly names: readonly string[];
  readonly key: string;
  /** A switch takes no value (`--recursive`); a value flag takes the next word. */
  readonly takes: 'switch' | 'value';
  /** A value flag that may be given several times (its values are kept in order). */
  readonly repeat?: boolean;
  readonly required?: boolean;
  readonly check?: ValueCheck;
}

export interface CommandSpec {
  /** The command's words after the program name, e.g. ['s3', 'ls']. */
  readonly words: readonly string[];
  readonly write: boolean;
  /** One line for the linter's list of commands. */
  readonly summary: string;
  readonly positionals: readonly PositionalSpec[];
  readonly flags: readonly FlagSpec[];
  /** Rules across options (one of two required, …): a message when broken, else null. Switches are `true`. */
  readonly validate?: (given: ReadonlySet<string>) => string | null;
}

export interface SystemGrammar {
  /** The fence's language, e.g. `s3` for ```s3 run. */
  readonly lang: string;
  /** The vendor's name as operators say it, for messages. */
  readonly label: string;
  /** The CLI program the block starts with, e.g. `aws`, `dbt-cloud`. */
  readonly program: string;
  /** The connection a block uses when it names no target=. */
  readonly defaultTarget: string;
  readonly commands: readonly CommandSpec[];
}

/** One word of the parsed command: its text (with {{params}} still in it) and where it is. */
export interface Word {
  readonly text: string;
  readonly start: number;
}

export interface ParsedCommand {
  /** e.g. `s3 ls`. */
  readonly name: string;
  readonly write: boolean;
  readonly args: Readonly<Record<string, Word>>;
  /** Switches are `true`; value flags a word (or words, when repeatable). */
  readonly flags: Readonly<Record<string, true | Word | readonly Word[]>>;
}

export type ParseResult = { readonly ok: true; readonly command: ParsedCommand } | { readonly ok: false; readonly message: string; readonly offset: number };

/** A resolved command: every value with its parameters substituted and checked. */
export interface ResolvedCommand {
  readonly name: string;
  readonly write: boolean;
  readonly args: Readonly<Record<string, string>>;
  readonly flags: Readonly<Record<string, true | string | readonly string[]>>;
}

export type ResolveResult = { readonly ok: true; readonly command: ResolvedCommand } | { readonly ok: false; readonly message: string };

export const TEMPLATE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const hasTemplate = (text: string) => /\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}/.test(text);

const commandName = (c: CommandSpec) => c.words.join(' ');
const usage = (g: SystemGrammar) => g.commands.map((c) => `${g.program} ${commandName(c)}`).join(', ');

/**
 * Parses a block's text. `paramTypes`, when given (build time), checks that every {{name}} is declared;
 * values holding a parameter are checked after substitution, at run time, by `resolveCommand`.
 */
export function parseCommand(g: SystemGrammar, text: string, paramTypes?: Readonly<Record<string, string>>): ParseResult {
  const tokenized = tokenize(text, g.label);
  if (!tokenized.ok) return tokenized;
  const tokens = tokenized.tokens;
  const first = tokens[0];
  if (!first) return { ok: false, offset: 0, message: `Write one ${g.label} command, e.g. ${g.program} ${commandName(g.commands[0]!)} ….` };
  if (first.text !== g.program) {
    return { ok: false, offset: first.start, message: `A ${g.lang} block starts with "${g.program}", as in the ${g.label} CLI; found "${first.text}". Commands: ${usage(g)}.` };
  }
  const spec = g.commands.find((c) => c.words.every((w, i) => tokens[i + 1]?.text === w));
  if (!spec) {
    const at = tokens[1] ?? first;
    const written = tokens.slice(1, 3).map((t) => t.text).join(' ');
    return { ok: false, offset: at.start, message: `"${g.program} ${written}" is not one of the ${g.label} commands runbooks can run: ${usage(g)}.` };
  }
  const rest = tokens.slice(1 + spec.words.length);
  const args: Record<string, Word> = {};
  const flags: Record<string, true | Word | Word[]> = {};
  const positionals: Token[] = [];
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i]!;
    if (!t.text.startsWith('--') && !/^-[A-Za-z]$/.test(t.text)) {
      positionals.push(t);
      continue;
    }
    // `--name=value` is the same as `--name value`, as in the vendors' CLIs.
    const eq = t.text.indexOf('=');
    const written = eq > 0 ? t.text.slice(0, eq) : t.text;
    const flag = spec.flags.find((f) => f.names.includes(written));
    if (!flag) {
      const known = spec.flags.map((f) => f.names[0]).join(', ') || 'none';
      return { ok: false, offset: t.start, message: `"${written}" is not an option of ${g.program} ${commandName(spec)}. Options: ${known}.` };
    }
    if (flag.takes === 'switch') {
      if (eq > 0) return { ok: false, offset: t.start, message: `${flag.names[0]} is a switch and takes no value.` };
      if (flags[flag.key]) return { ok: false, offset: t.start, message: `${flag.names[0]} is given twice; keep one.` };
      flags[flag.key] = true;
      continue;
    }
    let value: Word;
    if (eq > 0) value = { text: t.text.slice(eq + 1), start: t.start + eq + 1 };
    else {
      const next = rest[i + 1];
      if (!next) return { ok: false, offset: t.start, message: `${flag.names[0]} needs a value.` };
      value = { text: next.text, start: next.start };
      i++;
    }
    const problem = checkWord(flag.check, value, `${flag.names[0]}`, paramTypes);
    if (problem) return { ok: false, offset: value.start, message: problem };
    const previous = flags[flag.key];
    if (previous !== undefined) {
      if (!flag.repeat) return { ok: false, offset: t.start, message: `${flag.names[0]} is given twice; keep one.` };
      (previous as Word[]).push(value);
    } else flags[flag.key] = flag.repeat ? [value] : value;
  }
  for (const [i, p] of spec.positionals.entries()) {
    const t = positionals[i];
    if (!t) {
      if (p.optional) continue;
      return { ok: false, offset: text.length, message: `${g.program} ${commandName(spec)} needs ${p.what}.` };
    }
    const problem = checkWord(p.check, t, p.what, paramTypes);
    if (problem) return { ok: false, offset: t.start, message: problem };
    args[p.key] = { text: t.text, start: t.start };
  }
  const extra = positionals[spec.positionals.length];
  if (extra) return { ok: false, offset: extra.start, message: `"${extra.text}" is one word too many for ${g.program} ${commandName(spec)}; quote a value that has spaces.` };
  for (const f of spec.flags) {
    if (f.required && flags[f.key] === undefined) return { ok: false, offset: text.length, message: `${g.program} ${commandName(spec)} needs ${f.names[0]}.` };
  }
  const broken = spec.validate?.(new Set(Object.keys(flags)));
  if (broken) return { ok: false, offset: text.length, message: `${g.program} ${commandName(spec)}: ${broken}` };
  return { ok: true, command: { name: commandName(spec), write: spec.write, args, flags } };
}

function checkWord(check: ValueCheck | undefined, word: Word, what: string, paramTypes?: Readonly<Record<string, string>>): string | null {
  if (paramTypes) {
    const undeclared = [...word.text.matchAll(TEMPLATE)].map((m) => m[1]!).find((n) => !(n in paramTypes));
    if (undeclared) return `Parameter "${undeclared}" is used but not declared. Add it to params, e.g. params="${undeclared}:date=today".`;
  }
  // A value with a parameter in it is checked once the parameter has its value.
  if (!check || hasTemplate(word.text)) return null;
  return check(word.text, what);
}

/**
 * The command with the run's parameter values. Each value replaces its {{name}} inside the word it was written
 * in, after the words were split: a value can never become another option or a second command.
 */
export function resolveCommand(g: SystemGrammar, text: string, values: Readonly<Record<string, BoundValue>>): ResolveResult {
  const parsed = parseCommand(g, text);
  if (!parsed.ok) return { ok: false, message: parsed.message };
  const spec = g.commands.find((c) => commandName(c) === parsed.command.name)!;
  const fill = (word: Word, what: string, check: ValueCheck | undefined): string | { error: string } => {
    const missing = [...word.text.matchAll(TEMPLATE)].map((m) => m[1]!).find((n) => !values[n]);
    if (missing) return { error: `Parameter "${missing}" has no value.` };
    const substituted = word.text.replace(TEMPLATE, (_, n: string) => String(values[n]!.value));
    const problem = check?.(substituted, what) ?? null;
    return problem ? { error: problem } : substituted;
  };
  const args: Record<string, string> = {};
  for (const p of spec.positionals) {
    const word = parsed.command.args[p.key];
    if (!word) continue;
    const v = fill(word, p.what, p.check);
    if (typeof v !== 'string') return { ok: false, message: v.error };
    args[p.key] = v;
  }
  const flags: Record<string, true | string | string[]> = {};
  for (const f of spec.flags) {
    const given = parsed.command.flags[f.key];
    if (given === undefined) continue;
    if (given === true) {
      flags[f.key] = true;
      continue;
    }
    const words = Array.isArray(given) ? (given as readonly Word[]) : [given as Word];
    const filled: string[] = [];
    for (const w of words) {
      const v = fill(w, f.names[0]!, f.check);
      if (typeof v !== 'string') return { ok: false, message: v.error };
      filled.push(v);
    }
    flags[f.key] = f.repeat ? filled : filled[0]!;
  }
  return { ok: true, command: { name: parsed.command.name, write: parsed.command.write, args, flags } };
}

export type CommandCheck =
  | { readonly command: string; readonly write: boolean }
  /** `lineOffset` counts lines after the block's first line; `column` is 1-based. */
  | { readonly error: string; readonly lineOffset: number; readonly column: number };

/** The build-time check extract.ts runs on a block: its command and write class, or where it is wrong. */
export function checkCommand(g: SystemGrammar, text: string, params?: readonly ParamSpec[]): CommandCheck {
  const types = params ? Object.fromEntries(params.map((p) => [p.name, p.type])) : undefined;
  const parsed = parseCommand(g, text, types);
  if (!parsed.ok) return { error: parsed.message, ...positionOf(text, parsed.offset) };
  return { command: parsed.command.name, write: parsed.command.write };
}

/** Reads a resolved flag that is a single value. */
export const flagValue = (c: ResolvedCommand, key: string): string | null => {
  const v = c.flags[key];
  return typeof v === 'string' ? v : null;
};
/** Reads a resolved repeatable flag. */
export const flagValues = (c: ResolvedCommand, key: string): readonly string[] => {
  const v = c.flags[key];
  return Array.isArray(v) ? (v as readonly string[]) : typeof v === 'string' ? [v] : [];
};
