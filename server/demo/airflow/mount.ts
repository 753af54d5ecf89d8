/**
 * How createApp gets its sandbox: only when an environment has `{kind: airflow, sandbox: true}`; its
 * tasks run on that environment's warehouse. The scenarios API sits behind the app's CSRF check and
 * sign-in, and the in-process client finds the sandbox at the server's own loopback address.
 */
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestHandler } from 'express';
import { AuthError, type Authenticator } from '../../auth/types';
import type { OpsbookConfig } from '../../config';
import type { SandboxEndpoint } from '../../connectors/airflow/connections';
import type { ConnectorRegistry } from '../../connectors/registry';
import { HttpError } from '../../http/errors';
import type { ExtractBucket } from '../s3/extracts';
import type { LocalS3 } from '../s3/server';
import type { Faults } from './faults';
import type { DbtCloudEndpoint, TableauEndpoint } from './model';
import { createSandbox, type Sandbox } from './index';
import type { TrainingDeps } from './scenarios/drills';

const moduleDir = typeof __dirname === 'string' ? __dirname : path.dirname(fileURLToPath(import.meta.url));
const PROJECT_DIR = path.resolve(moduleDir, '../../..');

export interface MountedSandbox {
  readonly router: Sandbox['router'];
  /** Where the in-process client reaches it, once `server` listens. */
  endpoint(server: http.Server): SandboxEndpoint | null;
  /** The training faults its scenarios arm: the demo dbt Cloud's models meet them too. */
  readonly faults: Faults;
  /** The ecommerce extract files in the demo S3, as its tasks and scenarios see them. */
  extracts(): Promise<ExtractBucket>;
  close(): void;
}

export function sandboxFor(
  config: OpsbookConfig,
  deps: { connectors: ConnectorRegistry; authenticator: Authenticator; csrf: RequestHandler; log: (m: string) => void; training?: Omit<TrainingDeps, 'log' | 'connectors'>; s3?: () => Promise<LocalS3>; dbtCloud?: () => Promise<DbtCloudEndpoint>; tableau?: () => Promise<TableauEndpoint> },
): MountedSandbox | null {
  for (const [env, e] of Object.entries(config.environments)) {
    const conn = Object.values(e.connections).find((c) => c.kind === 'airflow' && c.sandbox);
    if (!conn || conn.kind !== 'airflow') continue;
    const signedIn: RequestHandler = (req, res, next) => {
      deps.authenticator.authenticate(req).then(
        (identity) => {
          res.locals.identity = identity;
          next();
        },
        (error: unknown) => next(error instanceof AuthError ? new HttpError(401, 'unauthenticated', error.message) : error),
      );
    };
    // A demo warehouse (seeded by this server) rolls forward when the day changes; its path is relative to the
    // project, as the connector registry resolves it.
    const wh = e.connections[conn.warehouse ?? 'warehouse'];
    const demoFile = wh?.kind === 'duckdb' && wh.demo ? path.resolve(PROJECT_DIR, wh.path) : undefined;
    const sandbox = createSandbox({
      ...(demoFile ? { demoFile } : {}),
      connectors: deps.connectors, env, warehouse: conn.warehouse ?? 'warehouse', timeScale: conn.timeScale ?? 1, log: deps.log,
      // Signed in first: the CSRF token is checked against who is signed in.
      scenarioGuards: [signedIn, deps.csrf],
      ...(deps.training ? { training: { ...deps.training, connectors: deps.connectors } } : {}),
      ...(deps.s3 ? { s3: deps.s3 } : {}),
      ...(deps.dbtCloud ? { dbtCloud: deps.dbtCloud } : {}),
      ...(deps.tableau ? { tableau: deps.tableau } : {}),
    });
    return {
      router: sandbox.router,
      endpoint(server) {
        const address = server.address();
        if (!address || typeof address === 'string') return null;
        // A server listening on every interface is reached on loopback; one bound to an address, there.
        const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
        return { url: `http://${host}:${address.port}/demo/airflow`, ...sandbox.credentials };
      },
      faults: sandbox.core.faults,
      extracts: () => sandbox.core.extracts(),
      close: () => sandbox.close(),
    };
  }
  return null;
}
