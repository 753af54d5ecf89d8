/** Run by ensureTemplate(): `node --import tsx e2e/harness/seed-template.ts <file>` seeds <file> unless current. */
import path from 'node:path';
import { ensureDemoWarehouse } from '../../server/demo/warehouse';

const file = process.argv[2];
if (!file) throw new Error('usage: seed-template.ts <warehouse.duckdb>');
ensureDemoWarehouse(file).then(
  (r) => console.log(`e2e: demo warehouse template ${r.seeded ? `seeded (${r.reason})` : 'is current'}: ${path.relative(process.cwd(), file)}`),
  (e: unknown) => {
    console.error(`e2e: seeding ${file} failed: ${(e as Error).message}`);
    process.exit(1);
  },
);
