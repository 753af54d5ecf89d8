/**
 * The Snowflake failures the contract fake reproduces: GS code, SQLSTATE and message text as Snowflake
 * sends them (HTTP 200, `success: false`), and DuckDB's errors translated into them.
 */
export interface SfFailure {
  readonly code: string;
  readonly sqlState?: string;
  readonly message: string;
}

export const failures = {
  badCredentials: (): SfFailure => ({ code: '390100', message: 'Incorrect username or password was specified.' }),
  badJwt: (): SfFailure => ({ code: '390144', message: 'JWT token is invalid.' }),
  roleNotGranted: (role: string): SfFailure => ({
    code: '390189',
    message: `Role '${role}' specified in the connect string does not exist or not authorized. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.`,
  }),
  wrongAccount: (): SfFailure => ({ code: '390201', message: 'The requested account does not exist or the account name in the request does not match the URL.' }),
  sessionGone: (): SfFailure => ({ code: '390111', message: 'Session no longer exists.  New login required to access the service.' }),
  syntax: (detail: string): SfFailure => ({ code: '001003', sqlState: '42000', message: `SQL compilation error:\nsyntax error ${detail}` }),
  noSuchObject: (kind: string, name: string): SfFailure => ({ code: '002003', sqlState: '02000', message: `SQL compilation error:\n${kind} '${name.toUpperCase()}' does not exist or not authorized.` }),
  invalidIdentifier: (name: string): SfFailure => ({ code: '000904', sqlState: '42000', message: `SQL compilation error: error line 1 at position 7\ninvalid identifier '${name.toUpperCase()}'` }),
  insufficientPrivileges: (object: string): SfFailure => ({ code: '003001', sqlState: '42501', message: `SQL access control error:\nInsufficient privileges to operate on ${object}` }),
  statementCount: (actual: number, desired: number): SfFailure => ({ code: '000008', sqlState: '0A000', message: `Actual statement count ${actual} did not match the desired statement count ${desired}.` }),
  emptyStatement: (): SfFailure => ({ code: '000900', sqlState: '42000', message: 'Empty SQL statement.' }),
  bindNotSet: (): SfFailure => ({ code: '002049', sqlState: '42601', message: 'SQL compilation error: error line 1 at position 0\nBind variable ? not set.' }),
  timeout: (seconds: number): SfFailure => ({ code: '000630', sqlState: '57014', message: `Statement reached its statement or warehouse timeout of ${seconds} second(s) and was canceled.` }),
  cancelled: (): SfFailure => ({ code: '000604', sqlState: '57014', message: 'SQL execution canceled' }),
  notRunning: (): SfFailure => ({ code: '000605', sqlState: '01000', message: 'Identified SQL statement is not currently executing.' }),
  notRecognized: (detail: string): SfFailure => ({ code: '100038', sqlState: '22018', message: `Numeric value is not recognized: ${detail}` }),
  internal: (detail: string): SfFailure => ({ code: '000603', sqlState: 'XX000', message: `SQL execution internal error: ${detail}` }),
};

/** DuckDB's error text as the Snowflake failure a real account would give for the same mistake. */
export function fromDuckDB(message: string, sql: string, readOnly: boolean): SfFailure {
  const text = message.replace(/^Failed to extract statements:\s*/, '');
  const first = text.split('\n')[0] ?? text;
  let m: RegExpExecArray | null;
  if (/read-only mode/i.test(message) && readOnly) {
    // A read-only role lacks the grant: Snowflake names the object the statement writes to.
    const target = /\b(?:insert\s+(?:overwrite\s+)?into|update|delete\s+from|merge\s+into|truncate\s+(?:table\s+)?|drop\s+table|create\s+(?:or\s+replace\s+)?table)\s+([\w."]+)/i.exec(sql);
    return failures.insufficientPrivileges(target ? `table '${target[1]!.replaceAll('"', '').toUpperCase()}'` : 'schema');
  }
  if (/^Parser Error/.test(first)) return failures.syntax(syntaxDetail(text));
  if ((m = /^Catalog Error: (Table|View|Schema|Function) with name "?([\w.]+)"? does not exist/.exec(first))) {
    return failures.noSuchObject(m[1] === 'Schema' ? 'Schema' : m[1] === 'Function' ? 'Function' : 'Object', m[2]!);
  }
  if ((m = /^Binder Error: Referenced column "?(\w+)"? not found/.exec(first))) return failures.invalidIdentifier(m[1]!);
  if (/^Conversion Error/.test(first)) return failures.notRecognized(first.replace(/^Conversion Error:\s*/, ''));
  return failures.internal(first);
}

/** DuckDB's `syntax error at or near "x"` plus its caret line, as Snowflake's `line L at position P unexpected 'x'.` */
function syntaxDetail(message: string): string {
  const near = /at or near "([^"]*)"/.exec(message)?.[1];
  const lines = message.split('\n');
  const at = lines.findIndex((l) => /^LINE \d+: /.test(l));
  const line = at >= 0 ? Number(/^LINE (\d+)/.exec(lines[at]!)![1]) : 1;
  const caret = at >= 0 ? (lines[at + 1] ?? '').indexOf('^') - lines[at]!.indexOf(': ') - 2 : 0;
  return `line ${line} at position ${Math.max(0, caret)} ${near === undefined ? 'unexpected end of input' : `unexpected '${near}'`}.`;
}
