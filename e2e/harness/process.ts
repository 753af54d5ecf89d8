/**
 * A child process an e2e worker owns: started with its output kept in a log file, waited on until it says
 * it is ready (or exits, which fails fast with the log's tail), and stopped with SIGTERM at teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const siteDir = path.resolve(__dirname, '..', '..');

export interface Started {
  readonly child: ChildProcess;
  readonly logFile: string;
  /** SIGTERM, then wait for the exit (SIGKILL if it has not gone after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** Runs a TypeScript entry with tsx in its own process (no npx in between, so the pid is the program's). */
export function startTsx(entry: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): Started {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: siteDir, env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    logFile,
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, graceMs);
      });
      await Promise.race([exited, killed]);
      clearTimeout(timer);
      await exited;
    },
  };
}

export function logTail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/**
 * Waits until `ready()` resolves to a value, checking again after each attempt; fails as soon as the
 * process exits, or after `guardMs` (a guard for a wedged start, generous because CI machines are busy).
 */
export async function waitUntilReady<T>(p: Started, what: string, ready: () => Promise<T | null>, guardMs = 480_000): Promise<T> {
  const deadline = Date.now() + guardMs;
  for (;;) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      throw new Error(`${what} exited (${p.child.exitCode ?? p.child.signalCode}) before it was ready. Its output (${p.logFile}):\n${logTail(p.logFile)}`);
    }
    const value = await ready().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) {
      await p.stop();
      throw new Error(`${what} was not ready after ${guardMs / 1000} s. Its output (${p.logFile}):\n${logTail(p.logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A loopback port nobody listens on now (the kernel's pick), for a program that cannot report its own. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port from the kernel'))));
    });
  });
}
