/**
 * What a PostgreSQL read profile's role could do beyond reading tables. A read-only transaction does not
 * stop a superuser or the server-file roles: COPY … TO PROGRAM and pg_read_file run inside one. So
 * `--check-config` and server start ask the database who the role really is.
 */
import type { SqlConnector } from '../types';

/** Roles whose members reach the server's files or shell; superuser implies all of them. */
const DANGEROUS_ROLES = ['pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program'] as const;

const QUERY = `select current_user::text, r.rolsuper, ${DANGEROUS_ROLES.map((role) => `pg_has_role(current_user, '${role}', 'member')`).join(', ')}
from pg_roles r where r.rolname = current_user`;

/** Sentences naming each risky privilege of the profile's role (empty when it is a plain reader). */
export async function readProfileRisks(connector: SqlConnector): Promise<string[]> {
  let row: unknown[] = [];
  await connector.stream(
    { text: QUERY, binds: {}, mode: 'read', signal: AbortSignal.timeout(15_000), timeoutMs: 15_000, maxRows: 1 },
    { columns: () => undefined, rows: async (batch) => void (row = [...(batch[0] ?? [])]) },
  );
  const [user, superuser, ...members] = row;
  if (superuser === true) return [`role ${String(user)} is a superuser`];
  return DANGEROUS_ROLES.filter((_, i) => members[i] === true).map((role) => `role ${String(user)} is a member of ${role}`);
}

export const READ_ROLE_HINT =
  'Give the read profile a dedicated role that can only SELECT (see examples/postgres-read-role.sql): a read-only transaction does not stop a superuser or members of pg_read_server_files, pg_write_server_files or pg_execute_server_program from reading files or running programs on the database server.';
