/** The `postgres` connection in opsbook.config.yaml: a URL for reads, and a write profile only if given. */
import * as z from 'zod';

const pgUrl = z
  .string()
  .min(1)
  .refine((u) => /^postgres(ql)?:\/\//.test(u), 'write a connection URL such as postgres://user:password@host:5432/database (secrets as ${ENV} references)');

export const postgresConnectionSchema = z.strictObject({
  kind: z.literal('postgres'),
  /** The read profile: read snippets run here, inside READ ONLY transactions. Use a read-only role. */
  url: pgUrl,
  /** Optional write profile (another role); without it, write snippets are refused on this connection. */
  write: z.strictObject({ url: pgUrl }).optional(),
  poolMax: z.number().int().min(1).max(50).default(5),
});

export type PostgresConnectionConfig = z.infer<typeof postgresConnectionSchema>;
