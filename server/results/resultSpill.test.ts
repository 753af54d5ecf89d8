/**
 * The run's side of keeping (issue 14): the page's window is passed on, the server's memory holds at most
 * 10,000 buffered rows whatever the window, and a result the page got whole leaves nothing behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cell } from '../protocol';
import { KeptResults } from './keptResults';
import { ResultSpill } from './resultSpill';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function openStore(): Promise<{ store: KeptResults; dir: string }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-spill-'));
  const dir = path.join(root, 'kept');
  const store = await KeptResults.open(dir, { maxRows: 1_000_000, maxBytes: 64 * 1024 * 1024, totalBytes: 256 * 1024 * 1024, ttlMs: 60_000 });
  cleanups.push(async () => {
    await store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  return { store, dir };
}

const batchAt = (from: number, size: number): Cell[][] => Array.from({ length: size }, (_, k) => [from + k, `row ${from + k}`]);

async function feed(spill: ResultSpill, rows: number): Promise<number> {
  let toPage = 0;
  for (let at = 0; at < rows; at += 2_048) toPage += (await spill.take(batchAt(at, Math.min(2_048, rows - at)))).length;
  return toPage;
}

describe('a run spilling its result', () => {
  it('passes the window to the page and keeps the whole result past it', async () => {
    const { store } = await openStore();
    const spill = new ResultSpill(store, 'run-1', 'dana', 5_000);
    spill.setColumns([{ name: 'n', type: 'INTEGER' }, { name: 'label', type: 'VARCHAR' }]);
    expect(await feed(spill, 12_345)).toBe(5_000);
    expect(await spill.finish()).toMatchObject({ rows: 12_345, truncated: false });
    expect((await store.page('dana', 'run-1', { offset: 12_340, limit: 10 })).rows).toEqual(batchAt(12_340, 5));
  });

  it('starts writing after 10,000 rows even when the window is larger, and drops it if the page got them all', async () => {
    const { store, dir } = await openStore();
    const spill = new ResultSpill(store, 'run-2', 'dana', 50_000);
    spill.setColumns([{ name: 'n', type: 'INTEGER' }, { name: 'label', type: 'VARCHAR' }]);
    expect(await feed(spill, 8_192)).toBe(8_192);
    expect(store.bytes).toBe(0);
    await feed(spill, 4_096); // past 10,000 rows: from now on they go to the file, not to memory
    expect(store.bytes).toBeGreaterThan(0);
    expect(await spill.finish()).toBeNull();
    expect(store.bytes).toBe(0);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('keeps nothing of a failed or cancelled run', async () => {
    const { store, dir } = await openStore();
    const spill = new ResultSpill(store, 'run-3', 'dana', 1_000);
    spill.setColumns([{ name: 'n', type: 'INTEGER' }, { name: 'label', type: 'VARCHAR' }]);
    await feed(spill, 5_000);
    await spill.discard();
    expect(fs.readdirSync(dir)).toEqual([]);
    await expect(store.page('dana', 'run-3', { offset: 0, limit: 1 })).rejects.toMatchObject({ code: 'result_expired' });
  });
});
