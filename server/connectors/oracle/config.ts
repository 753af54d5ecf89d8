/**
 * The `kind: oracle` connection in opsbook.config.yaml. Credentials live in the read and write profiles
 * (as ${ENV} references), never in the connect string, so the string can be shown and logged. Mistakes
 * people actually make — a JDBC URL, a user/password@ prefix — are refused with the form to write instead.
 */
import * as z from 'zod';

const profile = z.strictObject({
  user: z.string().min(1, 'set the database user, e.g. user: "${ORA_RO_USER}"'),
  password: z.string().min(1, 'set the password as an environment reference, e.g. password: "${ORA_RO_PASSWORD}"'),
});

export const oracleConnectionSchema = z
  .strictObject({
    kind: z.literal('oracle'),
    /** Easy Connect (`host:port/service_name`), a full `(DESCRIPTION=…)` descriptor, or a tnsnames alias. */
    connectString: z.string().trim().min(1, 'set connectString to host:port/service_name, e.g. db.internal:1521/ORCLPDB1'),
    /** Read snippets run here, in a READ ONLY transaction: give it a user with SELECT grants only. */
    read: profile,
    /** Write snippets need it; without it they are refused with `forbidden`. */
    write: profile.optional(),
    /** Connections per profile. */
    poolMax: z.number().int().min(1).max(64).default(4),
    /** How long opening a connection may take before the run fails as unavailable. */
    connectTimeoutMs: z.number().int().min(1000).max(120_000).default(10_000),
  })
  .superRefine((c, ctx) => {
    const problem = connectStringProblem(c.connectString);
    if (problem) ctx.addIssue({ code: 'custom', path: ['connectString'], message: problem });
  });

export type OracleConnectionConfig = z.output<typeof oracleConnectionSchema>;

/** Why a connect string will not work, in words that say what to write instead; null when it looks right. */
export function connectStringProblem(value: string): string | null {
  const jdbc = /^jdbc:oracle:(?:thin|oci):(?:[^@]*)@(.*)$/i.exec(value);
  if (jdbc) {
    const target = jdbc[1]!.replace(/^\/\//, '');
    if (target.startsWith('(')) return 'this is a JDBC URL; drop the jdbc:oracle:thin:@ prefix and keep the (DESCRIPTION=…) descriptor';
    const sid = /^([^:/]+):(\d+):([A-Za-z0-9_$#]+)$/.exec(target);
    if (sid) {
      return `this is a JDBC URL with a SID; write host:port/service_name instead (e.g. ${sid[1]}:${sid[2]}/<service name>; ask the DBA for the service that serves ${sid[3]})`;
    }
    return `this is a JDBC URL; write host:port/service_name instead${/^[^/]+:\d+\/\S+$/.test(target) ? `, i.e. ${target}` : ''}`;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !/^(tcps?):\/\//i.test(value)) {
    return 'this looks like a URL; write host:port/service_name (Easy Connect), e.g. db.internal:1521/ORCLPDB1';
  }
  // user/password@host… is SQL*Plus syntax: it would put a secret where it is shown and logged.
  if (/^[^(@\s]+\/[^@\s]*@/.test(value)) {
    return 'do not put user/password@ in connectString: write host:port/service_name and put the credentials in read: and write:';
  }
  return null;
}
