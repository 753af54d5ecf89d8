/**
 * Cold site build (DESIGN.md §11: every runbook, 2 cores, ≤ 60 s): `docusaurus build` wall time with nothing
 * cached — a fresh generated-files directory and webpack's persistent cache off — so the figure is what a
 * clean CI checkout pays. The shared node_modules/.cache is neither read nor cleared (other checkouts use it).
 * The site goes to build/, as `npm run build` puts it, so the browser figure can use it. Slow: behind `--build`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatSummary, summarize } from './stats';

const siteDir = path.resolve(__dirname, '../..');
const BUDGET_MS = 60_000;

function buildOnce(): Promise<number> {
  const generated = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-build-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(siteDir, 'node_modules/@docusaurus/core/bin/docusaurus.mjs'), 'build'], {
    cwd: siteDir,
    env: { ...process.env, DOCUSAURUS_NO_PERSISTENT_CACHE: '1', DOCUSAURUS_GENERATED_FILES_DIR_NAME: generated },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => {
      const ms = performance.now() - t0;
      fs.rmSync(generated, { recursive: true, force: true });
      if (code === 0) resolve(ms);
      else reject(new Error(`docusaurus build exited with ${code}:\n${stderr}`));
    });
  });
}

export async function measureColdBuild(rounds: number, log: (m: string) => void): Promise<[string, string, string, boolean]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    times.push(await buildOnce());
    log(`bench --build: cold build ${i + 1} of ${rounds}: ${(times.at(-1)! / 1000).toFixed(1)} s (load ${os.loadavg()[0]!.toFixed(1)})`);
  }
  const s = summarize(times.map((t) => t / 1000));
  return [`cold docusaurus build of every runbook, nothing cached (${os.cpus().length} cores)`, formatSummary(s, 's'), '≤ 60 s', s.median * 1000 <= BUDGET_MS];
}
