/**
 * The processes an e2e worker runs against: the Opsbook server (built site, API, socket, Airflow sandbox)
 * with a state directory of its own, and the Snowflake contract fake. Both listen on ports picked at start,
 * so several runs (and other people's servers) on one machine never collide.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, logTail, siteDir, startTsx, waitUntilReady, type Started } from './process';
import { copyTemplate } from './warehouse-template';

export interface RunningSnowflakeFake {
  /** http://127.0.0.1:PORT — the accessUrl the server's snowflake environment points at. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface RunningOpsbook {
  readonly url: string;
  /** The server's warehouse and state store: private to this server, removed when it stops. */
  readonly stateDir: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

const logsDir = path.join(siteDir, 'e2e', 'artifacts', 'servers');

/** The fake prints one JSON line {"accessUrl", "account"} once it listens (it picks its own port). */
export async function startSnowflakeFake(name: string): Promise<RunningSnowflakeFake> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `opsbook-e2e-sf-${name}-`));
  copyTemplate(path.join(dir, 'warehouse.duckdb'));
  const p = startTsx('server/connectors/snowflake/fake/cli.ts', ['--port', '0', '--file', path.join(dir, 'warehouse.duckdb')], {}, path.join(logsDir, `${name}.snowflake-fake.log`));
  const url = await waitUntilReady(p, 'The Snowflake fake', async () => {
    const line = fs.readFileSync(p.logFile, 'utf8').split('\n').find((l) => l.startsWith('{') && l.includes('accessUrl'));
    if (!line) return null;
    const accessUrl = (JSON.parse(line) as { accessUrl: string }).accessUrl;
    const health = await fetch(`${accessUrl}/__fake/health`);
    return health.ok ? accessUrl : null;
  });
  return {
    url,
    port: Number(new URL(url).port),
    async stop() {
      await p.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface OpsbookOptions {
  /** Names the log file and the state directory, so a failed run's leftovers say whose they were. */
  readonly name: string;
  readonly snowflakeUrl?: string;
  /** The configuration file; e2e/opsbook.e2e.yaml (demo sign-in) unless a spec needs another auth mode. */
  readonly config?: string;
  /** More environment for the server, e.g. OPSBOOK_E2E_ALLOWED_ORIGIN (e2e/reconnect.spec.ts). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Starts `server/index.ts` with e2e/opsbook.e2e.yaml on a fresh state directory. The server cannot report
 * the port it got, so a free one is picked here; if someone takes it in between, the start is retried.
 */
export async function startOpsbook(options: OpsbookOptions): Promise<RunningOpsbook> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `opsbook-e2e-${options.name}-`));
  copyTemplate(path.join(stateDir, 'demo.duckdb'));
  const logFile = path.join(logsDir, `${options.name}.log`);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PORT: String(port),
      HOST: '127.0.0.1',
      OPSBOOK_CONFIG: options.config ?? 'e2e/opsbook.e2e.yaml',
      OPSBOOK_E2E_DIR: stateDir,
      ...(options.snowflakeUrl ? { E2E_SF_PORT: new URL(options.snowflakeUrl).port } : {}),
      ...options.env,
    };
    const p: Started = startTsx('server/index.ts', [], env, logFile);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitUntilReady(p, `The Opsbook server "${options.name}"`, async () => ((await fetch(`${url}/api/health`)).ok ? url : null));
    } catch (error) {
      if (attempt < 3 && /EADDRINUSE/.test(logTail(logFile))) continue;
      fs.rmSync(stateDir, { recursive: true, force: true });
      throw error;
    }
    return {
      url,
      stateDir,
      logFile,
      async stop() {
        await p.stop();
        fs.rmSync(stateDir, { recursive: true, force: true });
      },
    };
  }
}
