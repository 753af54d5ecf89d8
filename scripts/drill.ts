/**
 * npm run drill [-- <family/name | name | family> …] [--time-scale N] — proves the runbooks' documented
 * failures (DESIGN.md §7b): each drill injects its fault into a fresh demo environment, its checks must
 * fail, the documented recovery must repair, its checks must pass, and deactivating the fault must
 * return the demo to green. Exits non-zero on any failure or on a check no drill covers.
 * DRILL_SEEDED_FROM=<file.duckdb> copies an already seeded demo warehouse instead of seeding one.
 */
import path from 'node:path';
import { runDrills } from '../drills/runner';

const args = process.argv.slice(2);
const scaleAt = args.indexOf('--time-scale');
const timeScale = scaleAt >= 0 ? Number(args[scaleAt + 1]) : undefined;
const only = args.filter((a, i) => !a.startsWith('--') && (scaleAt < 0 || i !== scaleAt + 1));

const seededFrom = process.env.DRILL_SEEDED_FROM;
runDrills({ siteDir: path.resolve(__dirname, '..'), only, ...(timeScale ? { timeScale } : {}), ...(seededFrom ? { seededFrom } : {}), print: (line) => console.log(line) }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`drill: ${(error as Error).message}`);
    process.exit(1);
  },
);
