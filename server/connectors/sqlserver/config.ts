/**
 * The `kind: sqlserver` connection in opsbook.config.yaml: host, port or instance, database and TLS as
 * separate keys, credentials in the read and write profiles (as ${ENV} references). The forms people
 * paste from other tools — an ADO.NET connection string, a JDBC URL, `host,port`, `host\instance` — are
 * refused with the keys to write instead.
 */
import * as z from 'zod';

const profile = z.strictObject({
  user: z.string().min(1, 'set the SQL login, e.g. user: "${MSSQL_RO_USER}"'),
  password: z.string().min(1, 'set the password as an environment reference, e.g. password: "${MSSQL_RO_PASSWORD}"'),
});

export const sqlserverConnectionSchema = z
  .strictObject({
    kind: z.literal('sqlserver'),
    /** Host name or address only. */
    server: z.string().trim().min(1, 'set server to the host name, e.g. sql.internal'),
    /** Default 1433; leave out when instanceName is set (the SQL Browser service gives the port). */
    port: z.number().int().min(1).max(65_535).optional(),
    instanceName: z.string().min(1).optional(),
    database: z.string().min(1, 'set the database the snippets run in'),
    /** TLS; Azure SQL requires it. */
    encrypt: z.boolean().default(true),
    /** Accept a self-signed certificate: development servers only. */
    trustServerCertificate: z.boolean().default(false),
    /**
     * Read snippets run here. What guarantees a read cannot write is this login's permissions
     * (db_datareader, nothing more); the rolled-back transaction reads run in only catches mistakes.
     */
    read: profile,
    /** Write snippets need it; without it they are refused with `forbidden`. */
    write: profile.optional(),
    poolMax: z.number().int().min(1).max(64).default(4),
    connectTimeoutMs: z.number().int().min(1000).max(120_000).default(10_000),
    /**
     * `snapshot` gives reads one consistent view without blocking writers; the database needs
     * ALLOW_SNAPSHOT_ISOLATION ON.
     */
    readIsolation: z.enum(['read_committed', 'snapshot']).default('read_committed'),
    /**
     * Open read sessions with ApplicationIntent=ReadOnly, so an Availability Group listener routes them
     * to a readable secondary (which refuses writes). Without read-only routing it changes nothing.
     */
    readOnlyIntent: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    const problem = serverProblem(c.server);
    if (problem) ctx.addIssue({ code: 'custom', path: ['server'], message: problem });
    if (c.port !== undefined && c.instanceName !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['port'], message: 'set either port or instanceName, not both: the SQL Browser service tells the port of a named instance' });
    }
  });

export type SqlServerConnectionConfig = z.output<typeof sqlserverConnectionSchema>;

/** Why a `server` value will not work, saying which keys to write instead; null when it looks like a host. */
export function serverProblem(value: string): string | null {
  const jdbc = /^jdbc:sqlserver:\/\/([^:;\\/]+)(?:\\([^:;]+))?(?::(\d+))?(.*)$/i.exec(value);
  if (jdbc) {
    const database = /;\s*(?:databaseName|database)\s*=\s*([^;]+)/i.exec(jdbc[4] ?? '')?.[1];
    const keys = [`server: ${jdbc[1]}`, jdbc[2] ? `instanceName: ${jdbc[2]}` : null, jdbc[3] ? `port: ${jdbc[3]}` : null, database ? `database: ${database}` : null];
    return `this is a JDBC URL; write ${keys.filter(Boolean).join(', ')} as separate keys`;
  }
  if (/[;=]/.test(value)) {
    return 'this looks like a connection string; write server (the host), port, database, and the credentials in read:/write: as separate keys';
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return 'write the host name only (e.g. sql.internal), without a scheme';
  const comma = /^(?:tcp:)?([^,\\]+),(\d+)$/i.exec(value);
  if (comma) return `write server: ${comma[1]} and port: ${comma[2]} as separate keys`;
  const instance = /^([^\\]+)\\(.+)$/.exec(value);
  if (instance) return `write server: ${instance[1]} and instanceName: ${instance[2]} as separate keys`;
  if (/^[^:]+:\d+$/.test(value)) return `write server: ${value.split(':')[0]} and port: ${value.split(':')[1]} as separate keys`;
  return null;
}
