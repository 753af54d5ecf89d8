/**
 * A demo environment for a test: the real app in-process on a copy of the seeded demo warehouse (seeded once per
 * seed version and day into a shared cache), with the site's manifest, its sandbox running 20× faster than the
 * demo. Each caller gets its own warehouse file; `env.close()` removes it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Manifest } from '../../../plugins/remark-runbook/types';
import { seededWarehouseCopy } from '../../../server/demo/airflow/testing/seeded';
import { startDemoEnvironment, type DemoEnvironment } from '../environment';
import { buildSiteManifest } from '../index';

export const siteManifest = (): Manifest => buildSiteManifest(path.resolve(__dirname, '../../..'));

export async function startSeededDemo(manifest: Manifest = siteManifest()): Promise<DemoEnvironment> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-seeded-'));
  try {
    const seeded = path.join(dir, 'seeded.duckdb');
    await seededWarehouseCopy(seeded);
    // The environment copies the file into a folder of its own, so this one can go at once.
    return await startDemoEnvironment({ manifest, seededFrom: seeded, timeScale: 0.05 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
