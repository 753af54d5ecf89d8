/**
 * npm run demo:reset — rebuilds the demo warehouse from server/demo/seed for today's date.
 * The file is .opsbook/demo.duckdb, or the path in OPSBOOK_DEMO_DB. Prints one line; exits 1 on failure,
 * in particular while a running server holds the file (the rebuild must not swap it under the server).
 */
import path from 'node:path';
import { seedDemoWarehouse } from '../server/demo/warehouse';

const siteDir = path.resolve(__dirname, '..');
const file = process.env.OPSBOOK_DEMO_DB
  ? path.resolve(process.env.OPSBOOK_DEMO_DB)
  : path.join(siteDir, '.opsbook', 'demo.duckdb');

async function main(): Promise<number> {
  try {
    const report = await seedDemoWarehouse(file);
    const relative = path.relative(process.cwd(), report.file);
    const shown = relative.startsWith('..') ? report.file : relative;
    console.log(
      `Demo warehouse reseeded: ${shown} — ${report.tables} tables, ${report.rows.toLocaleString('en-US')} rows, ` +
        `business date ${report.today}, seed ${report.version}, ${(report.elapsedMs / 1000).toFixed(1)} s`,
    );
    return 0;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    if (e.name === 'DemoWarehouseLockedError') {
      console.error(`Cannot reset the demo warehouse: ${file} is open in another process. Stop \`npm start\` (or \`npm run dev\`) first, then run \`npm run demo:reset\` again.`);
    } else {
      console.error(`Demo warehouse reset failed: ${e.message}`);
    }
    return 1;
  }
}

void main().then((code) => {
  process.exitCode = code;
});
