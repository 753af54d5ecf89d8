/**
 * npm run dev:postgres — loads the ecommerce OLTP source (schema ecomm_src) into PostgreSQL for a `dev`
 * environment (examples/opsbook.dev.yaml) and creates the read-only role `opsbook_read` the example
 * connects as (examples/postgres-read-role.sql). Admin URL from OPSBOOK_DEV_PG_ADMIN_URL, else PG*
 * variables, else postgres://postgres@127.0.0.1:5432/test.
 */
import { DEV_READ_ROLE, ensureReadRole, seedPostgresSource } from '../server/demo/postgresSource';
import { postgresUrl } from '../server/testing/postgres';

const url = process.env.OPSBOOK_DEV_PG_ADMIN_URL ?? postgresUrl();
const t0 = performance.now();
seedPostgresSource(url, (m) => console.log(`  ${m}`))
  .then(async (r) => {
    await ensureReadRole(url);
    console.log(`  role ${DEV_READ_ROLE}: read-only, SELECT on ecomm_src`);
    return r;
  })
  .then((r) => console.log(`dev:postgres: ${r.tables} tables, ${r.rows} rows into ${url.replace(/:[^:@/]*@/, '@')} in ${Math.round(performance.now() - t0)} ms`))
  .catch((e: unknown) => {
    console.error(`dev:postgres: ${(e as Error).message}`);
    process.exit(1);
  });
