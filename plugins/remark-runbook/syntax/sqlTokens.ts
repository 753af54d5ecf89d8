/**
 * A SQL tokenizer good enough to classify statements: it knows where text is *not* code — string
 * literals ('…', E'…' with backslash escapes), quoted identifiers, dollar quotes ($tag$…$tag$), `--`
 * comments and nested block comments — so a keyword inside any of them is never mistaken for one.
 * It keeps words (lowercased), literals, numbers, parentheses, commas and semicolons, each with its
 * parenthesis depth and offsets.
 */

export interface SqlToken {
  readonly kind: 'word' | 'punct' | 'string' | 'ident' | 'number';
  /** Lowercased word, the punctuation character, or the literal's inner text (unescaped enough to read). */
  readonly text: string;
  /** Parenthesis depth at the token: 0 is the statement's top level. */
  readonly depth: number;
  /** Where the token starts and ends in the text (end exclusive). */
  readonly start: number;
  readonly end: number;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

/** Tokens of the whole text; an unterminated quote or comment runs to the end (the database will say). */
export function tokenizeSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let depth = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === "'") {
      const s = readQuoted(sql, i, "'", false);
      tokens.push({ kind: 'string', text: s.text, depth, start: i, end: s.end });
      i = s.end;
    } else if ((c === 'e' || c === 'E') && next === "'" && !isWordChar(sql[i - 1])) {
      const s = readQuoted(sql, i + 1, "'", true);
      tokens.push({ kind: 'string', text: s.text, depth, start: i, end: s.end });
      i = s.end;
    } else if (c === '"') {
      const s = readQuoted(sql, i, '"', false);
      tokens.push({ kind: 'ident', text: s.text, depth, start: i, end: s.end });
      i = s.end;
    } else if (c === '$' && !isWordChar(sql[i - 1]) && DOLLAR_TAG.test(sql.slice(i, i + 65))) {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 65))![0];
      const close = sql.indexOf(tag, i + tag.length);
      const end = close < 0 ? n : close + tag.length;
      tokens.push({ kind: 'string', text: sql.slice(i + tag.length, close < 0 ? n : close), depth, start: i, end });
      i = end;
    } else if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < n && isWordChar(sql[j])) j++;
      tokens.push({ kind: 'word', text: sql.slice(i, j).toLowerCase(), depth, start: i, end: j });
      i = j;
    } else if (c === '(') {
      tokens.push({ kind: 'punct', text: c, depth, start: i, end: i + 1 });
      depth++;
      i++;
    } else if (c === ')') {
      depth = Math.max(0, depth - 1);
      tokens.push({ kind: 'punct', text: c, depth, start: i, end: i + 1 });
      i++;
    } else if (c === ';' || c === ',') {
      tokens.push({ kind: 'punct', text: c, depth, start: i, end: i + 1 });
      i++;
    } else if (/[0-9]/.test(c)) {
      // One token for the whole run, so 1e5 is not a word "e5".
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(sql[j]!)) j++;
      tokens.push({ kind: 'number', text: sql.slice(i, j), depth, start: i, end: j });
      i = j;
    } else {
      i++;
    }
  }
  return tokens;
}

/** The statements of a text, split on top-level semicolons; empty statements are dropped. */
export function splitSqlStatements(tokens: readonly SqlToken[]): SqlToken[][] {
  const statements: SqlToken[][] = [];
  let current: SqlToken[] = [];
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === ';' && t.depth === 0) {
      if (current.length) statements.push(current);
      current = [];
    } else current.push(t);
  }
  if (current.length) statements.push(current);
  return statements;
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && WORD_CHAR.test(c);
}

/** PostgreSQL block comments nest: /* a /* b *\/ still a *\/. */
function skipBlockComment(sql: string, start: number): number {
  let level = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      level++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      level--;
      i += 2;
      if (level === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** A quoted run from the opening quote at `start`; a doubled quote is one quote, `\` escapes when asked. */
function readQuoted(sql: string, start: number, quote: string, backslash: boolean): { text: string; end: number } {
  let text = '';
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslash && c === '\\') {
      text += sql[i + 1] ?? '';
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) {
        text += quote;
        i += 2;
      } else return { text, end: i + 1 };
    } else {
      text += c;
      i++;
    }
  }
  return { text, end: sql.length };
}

/** The text of each statement (from its first token to its last), for engines that need it one by one. */
export function splitSqlText(sql: string): string[] {
  return splitSqlStatements(tokenizeSql(sql)).map((statement) => sql.slice(statement[0]!.start, statement[statement.length - 1]!.end));
}
