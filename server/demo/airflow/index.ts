/**
 * The Airflow-compatible sandbox (DESIGN.md §8), mounted by createApp at /demo/airflow when an environment
 * has `{kind: airflow, sandbox: true}`: `POST /auth/token`, `/api/v2` (Airflow 3) and `/api/v1` (Airflow 2)
 * over the same scheduler, whose tasks are SQL steps on that environment's warehouse, and the training
 * scenarios at `/scenarios`. The Opsbook client reaches it over real HTTP, like any Airflow.
 */
import type { DbtCloudEndpoint, TableauEndpoint } from './model';
import type { LocalS3 } from '../s3/server';
import express, { type RequestHandler } from 'express';
import type { ConnectorRegistry } from '../../connectors/registry';
import { SandboxCore } from './core';
import { createSandboxAuth, type SandboxCredentials } from './routes/auth';
import { scenariosRouter } from './routes/scenarios';
import { TrainingDrills, type TrainingDeps } from './scenarios/drills';
import { v1Router } from './routes/v1';
import { v2Router } from './routes/v2';

export type { SandboxCredentials } from './routes/auth';

export interface SandboxOptions {
  readonly connectors: ConnectorRegistry;
  /** The environment whose warehouse the DAGs' tasks run on. */
  readonly env: string;
  /** That environment's SQL connection (default `warehouse`). */
  readonly warehouse?: string;
  /** Multiplies task durations and waits; default 1. */
  readonly timeScale?: number;
  /** Lifetime of /auth/token JWTs; default 3600 s. */
  readonly tokenTtlSeconds?: number;
  /** Put in front of the scenarios API (the app's CSRF check and sign-in). */
  readonly scenarioGuards?: readonly RequestHandler[];
  /** The runbooks' manifest, the audit and the connectors: the Training page's drills need them. */
  readonly training?: Omit<TrainingDeps, 'log'>;
  readonly log?: (message: string) => void;
  /** The demo warehouse's file, when this server seeds it: the demo then rolls forward at a day change. */
  readonly demoFile?: string;
  /** The demo S3 the ecommerce extracts live in (else the sandbox starts its own). */
  readonly s3?: () => Promise<LocalS3>;
  /** The demo dbt Cloud the DailyRefresh task triggers. */
  readonly dbtCloud?: () => Promise<DbtCloudEndpoint>;
  /** The demo Tableau the extract refresh task refreshes through, and a training scenario's morning refresh runs in. */
  readonly tableau?: () => Promise<TableauEndpoint>;
}

export interface Sandbox {
  readonly router: express.Router;
  readonly credentials: SandboxCredentials;
  /** @internal For tests: the scheduler behind the API. */
  readonly core: SandboxCore;
  close(): void;
}

export function createSandbox(options: SandboxOptions): Sandbox {
  const core = new SandboxCore({
    connectors: options.connectors, env: options.env, warehouse: options.warehouse ?? 'warehouse', timeScale: options.timeScale ?? 1,
    log: options.log ?? ((m) => console.error(m)), ...(options.demoFile ? { demoFile: options.demoFile } : {}), ...(options.s3 ? { s3: options.s3 } : {}), ...(options.dbtCloud ? { dbtCloud: options.dbtCloud } : {}),
    ...(options.tableau ? { tableau: options.tableau } : {}),
  });
  core.dayRoll?.start();
  const auth = createSandboxAuth({ tokenTtlSeconds: options.tokenTtlSeconds ?? 3600 });
  const router = express.Router();
  router.use(auth.tokenRouter);
  router.use('/api/v2', auth.bearer, v2Router(core));
  router.use('/api/v1', auth.basic, v1Router(core));
  const training = options.training ? new TrainingDrills({ ...options.training, log: options.log ?? ((m) => console.error(m)) }, options.env, options.warehouse ?? 'warehouse') : null;
  router.use('/scenarios', scenariosRouter(core, options.scenarioGuards ?? [], training));
  // A sandbox that cannot reach its warehouse says so in each API's own error shape.
  router.use('/api/v2', ((error, _req, res, _next) => void res.status(503).json({ detail: `Sandbox unavailable: ${(error as Error).message}` })) as express.ErrorRequestHandler);
  router.use('/api/v1', ((error, _req, res, _next) => void res.status(503).json({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: `Sandbox unavailable: ${(error as Error).message}` })) as express.ErrorRequestHandler);
  return { router, credentials: auth.credentials, core, close: () => core.close() };
}
