/**
 * npm run dev:postgres — loads the ecommerce OLTP source (schema ecomm_src) into PostgreSQL for a `dev`
 * environment (examples/opsbook.dev.yaml). URL from OPSBOOK_DEV_PG_URL, else PG* variables, else
 * postgres://postgres@127.0.0.1:5432/test.
 */
import { seedPostgresSource } from '../server/demo/postgresSource';
import { postgresUrl } from '../server/testing/postgres';

const url = process.env.OPSBOOK_DEV_PG_URL ?? postgresUrl();
const t0 = performance.now();
seedPostgresSource(url, (m) => console.log(`  ${m}`))
  .then((r) => console.log(`dev:postgres: ${r.tables} tables, ${r.rows} rows into ${url.replace(/:[^:@/]*@/, '@')} in ${Math.round(performance.now() - t0)} ms`))
  .catch((e: unknown) => {
    console.error(`dev:postgres: ${(e as Error).message}`);
    process.exit(1);
  });
