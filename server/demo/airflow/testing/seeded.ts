/**
 * A seeded demo warehouse for the sandbox's tests: seeded once per seed version and day into a shared
 * cache (seeding takes seconds), then copied, so each test file writes to its own file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_SEED_VERSION, ensureDemoWarehouse } from '../../warehouse';
import { localDate } from '../warehouse';

export async function seededWarehouseCopy(target: string): Promise<void> {
  const cacheDir = path.join(os.tmpdir(), 'opsbook-airflow-tests');
  fs.mkdirSync(cacheDir, { recursive: true });
  const cache = path.join(cacheDir, `demo-${DEMO_SEED_VERSION}-${localDate()}.duckdb`);
  const lock = `${cache}.lock`;
  for (let waited = 0; !fs.existsSync(cache); waited += 200) {
    try {
      fs.mkdirSync(lock); // one test file seeds; the others wait for it
      try {
        if (!fs.existsSync(cache)) await ensureDemoWarehouse(cache);
      } finally {
        fs.rmSync(lock, { recursive: true, force: true });
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (waited > 120_000) throw new Error(`Gave up waiting for another test to seed ${cache}.`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  fs.copyFileSync(cache, target);
  fs.rmSync(`${target}.wal`, { force: true });
}
