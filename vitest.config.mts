import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const siteDir = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  // The page's modules import each other as @site/…, as Docusaurus resolves them.
  resolve: { alias: { '@site': siteDir } },
  test: {
    include: ['plugins/**/*.test.ts', 'server/**/*.test.ts', 'scripts/**/*.test.ts', 'drills/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // DuckDB files and sockets are per test file; two workers match this machine's two cores.
    maxWorkers: 2,
  },
});
