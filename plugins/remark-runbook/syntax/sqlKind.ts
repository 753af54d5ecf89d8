/**
 * A coarse classifier of SQL statements by their leading keyword. It lets authors hear early that a
 * read block writes, or that a service-team step holds DDL. It is advice for the build and one layer of
 * the server's policy; the database's read-only session is the real boundary.
 */
const DDL = new Set(['create', 'alter', 'drop', 'truncate', 'rename', 'grant', 'revoke', 'comment']);
const DML = new Set(['insert', 'update', 'delete', 'merge', 'upsert', 'copy', 'call', 'exec', 'execute', 'replace']);

/** Removes comments and the contents of quoted text, keeping offsets irrelevant: only words matter here. */
function stripNoise(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""')
    .replace(/\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g, "''");
}

export interface SqlKinds {
  readonly ddl: readonly string[];
  readonly writes: readonly string[];
}

/** Leading keywords of each statement that define or change data (`with … insert` included). */
export function classifySql(sql: string): SqlKinds {
  const ddl: string[] = [];
  const writes: string[] = [];
  for (const statement of stripNoise(sql).split(';')) {
    const words = statement.toLowerCase().match(/[a-z_]+/g) ?? [];
    const first = words[0];
    if (!first) continue;
    if (DDL.has(first)) ddl.push(first.toUpperCase());
    else if (DML.has(first)) writes.push(first.toUpperCase());
    else if (first === 'with') {
      const dml = words.find((w) => DML.has(w) && w !== 'replace');
      if (dml) writes.push(dml.toUpperCase());
    }
  }
  return { ddl, writes };
}
