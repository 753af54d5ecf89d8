/**
 * JSON against MessagePack (msgpackr) for one `rows` frame, on both sides (issue 14), to decide the wire
 * encoding: the server's encode (JSON.stringify + UTF-8, or pack), the page's decode in Node and in Chromium
 * (JSON.parse of the text the browser hands over, or unpack of the bytes with msgpackr's browser build).
 * Two batches of 2,048 rows × 4 columns: the cells the 1 M-row bench query gives (BIGINT and DECIMAL arrive
 * as text) and a numeric one (int4 and float8, as PostgreSQL gives). Warm-up, then interleaved rounds;
 * medians with min–max, µs per batch. `npm run bench -- --codec`.
 */
import path from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumExecutable, CHROMIUM_ARGS } from '../../e2e/chromium';
import { packFrame, unpackFrame } from '../../server/frames';
import type { BenchRow } from './stream';

const ROUNDS = 7;
const PER_ROUND = 40;

function batches(): Record<string, (string | number)[][]> {
  const day = (i: number) => new Date(Date.UTC(2026, 0, 1 + (i % 365))).toISOString().slice(0, 10);
  return {
    'text cells (bigint, decimal, label, date)': Array.from({ length: 2048 }, (_, k) => {
      const i = 500_000 + k;
      return [String(i), (i * 2.5).toFixed(1), `label_${i}`, day(i)];
    }),
    'numeric cells (int, float, label, date)': Array.from({ length: 2048 }, (_, k) => {
      const i = 500_000 + k;
      return [i, i * 2.5 + 0.25, `label_${i}`, day(i)];
    }),
  };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: readonly number[]) => `${median(xs).toFixed(0)} µs [${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}]`;

/** µs per call of each function, interleaved by round; round 0 warms up. */
function timeInterleaved(fns: Record<string, () => unknown>): Record<string, number[]> {
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [name, fn] of Object.entries(fns)) {
      const t0 = performance.now();
      for (let i = 0; i < PER_ROUND; i++) fn();
      if (round > 0) out[name]!.push(((performance.now() - t0) * 1000) / PER_ROUND);
    }
  }
  return out;
}

function nodeRows(): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const [label, cells] of Object.entries(batches())) {
    const message = { type: 'rows' as const, id: 'c1-bench', rows: cells, seq: 42 };
    const json = Buffer.from(JSON.stringify(message));
    const packed = packFrame(message);
    const t = timeInterleaved({
      'server encode, JSON': () => Buffer.from(JSON.stringify(message)),
      'server encode, MessagePack': () => packFrame(message),
      'Node decode, JSON': () => JSON.parse(json.toString()),
      'Node decode, MessagePack': () => unpackFrame(packed),
    });
    rows.push([`${label}: bytes per frame`, `JSON ${json.length.toLocaleString('en')}, MessagePack ${packed.length.toLocaleString('en')}`, 'reported', true]);
    for (const [name, us] of Object.entries(t)) rows.push([`${label}: ${name}`, spread(us), 'reported', true]);
  }
  return rows;
}

/**
 * Runs in the page. Plain JavaScript text: tsx's transform adds helpers to functions (keepNames) that do
 * not exist in the page, so a function passed to evaluate() would not run there.
 */
const IN_PAGE = `({ cells, rounds, perRound }) => {
  const m = globalThis.msgpackr;
  const message = { type: 'rows', id: 'c1-bench', rows: cells, seq: 42 };
  const text = JSON.stringify(message);
  const bytes = new m.Packr({ useRecords: false }).pack(message);
  const unpackr = new m.Unpackr({ useRecords: false, mapsAsObjects: true });
  const fns = { 'browser decode, JSON': () => JSON.parse(text), 'browser decode, MessagePack': () => unpackr.unpack(bytes) };
  const out = { 'browser decode, JSON': [], 'browser decode, MessagePack': [] };
  for (let round = 0; round <= rounds; round++) {
    for (const [name, fn] of Object.entries(fns)) {
      const t0 = performance.now();
      for (let i = 0; i < perRound; i++) fn();
      if (round > 0) out[name].push(((performance.now() - t0) * 1000) / perRound);
    }
  }
  return out;
}`;

/** The page's side, in Chromium with msgpackr's browser build (what the site bundles), when a Chromium is here. */
async function browserRows(): Promise<BenchRow[]> {
  const executablePath = chromiumExecutable();
  if (!executablePath) {
    console.log('bench --codec: browser decode skipped: no Chromium (CHROMIUM_PATH or apt-get install chromium).');
    return [];
  }
  const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><title>codec</title>');
    // The UMD build next to the Node entry (dist/node.cjs): the same code the site's bundle takes from index.js.
    await page.addScriptTag({ path: path.join(path.dirname(require.resolve('msgpackr')), 'index.js') });
    const rows: BenchRow[] = [];
    for (const [label, cells] of Object.entries(batches())) {
      const timings = (await page.evaluate(`(${IN_PAGE})(${JSON.stringify({ cells, rounds: ROUNDS, perRound: PER_ROUND })})`)) as Record<string, number[]>;
      for (const [name, us] of Object.entries(timings)) rows.push([`${label}: ${name} (Chromium)`, spread(us), 'reported', true]);
    }
    return rows;
  } finally {
    await browser.close();
  }
}

export async function measureCodec(): Promise<BenchRow[]> {
  return [...nodeRows(), ...(await browserRows())];
}
