/**
 * npm run dev — author mode: the Docusaurus dev server (hot reload) on PORT (3000) and the execution
 * server on PORT+1, which watches the dev manifest the Docusaurus plugin rewrites on every edit, so an
 * edited snippet runs against demo at once.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const siteDir = path.resolve(__dirname, '..');
const port = Number(process.env.PORT ?? 3000);
const apiPort = port + 1;
const manifest = '.opsbook/dev-manifest.json';

const first = spawnSync('npx', ['tsx', 'scripts/manifest.ts', '--out', manifest], { cwd: siteDir, stdio: 'inherit' });
if (first.status !== 0) process.exit(first.status ?? 1);

const children: ChildProcess[] = [];
const start = (name: string, args: string[], env: NodeJS.ProcessEnv) => {
  const child = spawn('npx', args, { cwd: siteDir, stdio: 'inherit', env: { ...process.env, ...env } });
  child.on('exit', (code) => {
    console.log(`dev: ${name} exited (${code}); stopping`);
    for (const c of children) c.kill('SIGTERM');
    process.exit(code ?? 1);
  });
  children.push(child);
};

start('execution server', ['tsx', 'server/index.ts'], {
  PORT: String(apiPort),
  OPSBOOK_MANIFEST: manifest,
  OPSBOOK_WATCH_MANIFEST: '1',
  OPSBOOK_API_ONLY: '1',
  OPSBOOK_EXTRA_ORIGINS: `http://localhost:${port},http://127.0.0.1:${port}`,
});
start('docusaurus', ['docusaurus', 'start', '--port', String(port), '--no-open'], {
  OPSBOOK_SERVER_URL: `http://localhost:${apiPort}`,
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const c of children) c.kill(signal);
  });
}
