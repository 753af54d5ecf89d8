/**
 * Splits the one command of an `airflow run` block into words, shell-like: whitespace separates,
 * '…' is literal, "…" takes \" and \\ escapes, a backslash at the end of a line continues the command.
 * Nothing here ever reaches a shell. Syntax that would mean a second command, a redirection or an
 * expansion in a shell (;, &, >, <, `, $NAME, $(…), ${…}) is an authoring error, so a block always means
 * exactly one Airflow command; | ( ) and a lone $ are plain characters (task regexes use them).
 */

export interface Token {
  /** The word with quotes removed and escapes applied. */
  readonly text: string;
  /** Offset of the word's first character in the block text. */
  readonly start: number;
}

export type TokenizeResult =
  | { readonly ok: true; readonly tokens: readonly Token[] }
  | { readonly ok: false; readonly message: string; readonly offset: number };

const SHELL_SYNTAX: Readonly<Record<string, string>> = {
  ';': 'a command separator',
  '&': 'a background or chaining operator',
  '>': 'a redirection',
  '<': 'a redirection',
  '`': 'command substitution',
  '$': 'an expansion',
};

/** `$` starts an expansion only before a name, `(` or `{`; elsewhere (a regex's end anchor) it is text. */
const isShellSyntax = (text: string, i: number): boolean => text[i] !== '$' ? text[i]! in SHELL_SYNTAX : /[A-Za-z_({]/.test(text[i + 1] ?? '');

function shellError(c: string, offset: number, system: string): TokenizeResult {
  const hint = c === '$' ? ' Declare a parameter and write {{name}} instead of $VAR.' : ' Quote it if it is part of a value.';
  return { ok: false, offset, message: `"${c}" is shell syntax (${SHELL_SYNTAX[c]}); ${article(system)} block holds exactly one ${system} command and nothing runs in a shell.${hint}` };
}

/** `an Airflow`, `an S3` (said "ess-three"), `a dbt Cloud`. */
export const article = (system: string) => `${/^[aeiou]/i.test(system) || /^[FHLMNRSX][A-Z0-9]/.test(system) ? 'an' : 'a'} ${system}`;

/** `system` names the block kind in messages (the same rules serve every command-style block, e.g. S3). */
export function tokenize(text: string, system = 'Airflow'): TokenizeResult {
  const tokens: Token[] = [];
  let i = 0;
  // The word being read; `inWord` separates "no word yet" from an empty quoted word ('').
  let current = '';
  let inWord = false;
  let start = 0;
  let sawNewline = false;
  const begin = () => {
    if (!inWord) {
      inWord = true;
      current = '';
      start = i;
    }
  };
  const end = () => {
    if (inWord) tokens.push({ text: current, start });
    inWord = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      end();
      i += text[i + 1] === '\n' ? 2 : 3;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      end();
      i++;
      continue;
    }
    if (c === '\n') {
      end();
      if (tokens.length > 0) sawNewline = true;
      i++;
      continue;
    }
    if (sawNewline) {
      return { ok: false, offset: i, message: `${article(system).replace(/^a/, 'A')} block holds exactly one command; this line starts a second one. Put each command in its own block, or end the line with \\ to continue the command.` };
    }
    if (c === "'") {
      begin();
      const close = text.indexOf("'", i + 1);
      if (close < 0) return { ok: false, offset: i, message: "This ' quote is never closed; close it with a matching '." };
      current += text.slice(i + 1, close);
      i = close + 1;
      continue;
    }
    if (c === '"') {
      begin();
      const open = i;
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          current += text[i + 1]!;
          i += 2;
          continue;
        }
        current += d;
        i++;
      }
      if (!closed) return { ok: false, offset: open, message: 'This " quote is never closed; close it with a matching ".' };
      continue;
    }
    if (c === '\\') {
      begin();
      if (i + 1 >= text.length) return { ok: false, offset: i, message: 'A backslash ends the block; remove it or escape the character after it.' };
      current += text[i + 1]!;
      i += 2;
      continue;
    }
    if (isShellSyntax(text, i)) return shellError(c, i, system);
    begin();
    current += c;
    i++;
  }
  end();
  return { ok: true, tokens };
}

/** Where an offset is: lines after the block's first (0 for the first line) and a 1-based column. */
export function positionOf(text: string, offset: number): { lineOffset: number; column: number } {
  const before = text.slice(0, offset);
  return { lineOffset: before.split('\n').length - 1, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}
