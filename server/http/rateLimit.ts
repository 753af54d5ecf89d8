/**
 * HTTP rate limits on /api (DESIGN.md §5 errors): a general budget and a tighter one for expensive routes
 * (audit CSV export, approval requests), per user when signed in and per address before. With
 * `audit.store: postgres` the counters live in PostgreSQL so several instances share one budget; otherwise
 * in memory. Over budget: 429, Retry-After and the `{"error":{code,message}}` shape. /api/health is exempt.
 */
import type { RequestHandler } from 'express';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import pg from 'pg';
import type { OpsbookConfig } from '../config';
import type { Identity } from '../identity';
import { HttpError } from './errors';

/** Routes that each cost a query over the whole audit or a notification fan-out. */
const EXPENSIVE: readonly [string, RegExp][] = [
  ['GET', /^\/audit\.csv$/],
  ['POST', /^\/approvals\/?$/],
];

export interface HttpRateLimits {
  /**
   * A request that could not be authenticated counts against its address (not before: behind an SSO proxy
   * every user shares the proxy's address). Calls next with the 401 error, or with a 429 once over budget.
   */
  anonymous(req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1], next: (error: unknown) => void, unauthenticated: unknown): void;
  /** After authentication: per user, and the expensive routes' own budget. */
  readonly perUser: RequestHandler;
  ready(): Promise<void>;
  close(): Promise<void>;
}

interface LimiterFactory {
  make(prefix: string, points: number): RateLimiterAbstract;
  /** Resolves once every store is ready (PostgreSQL: its table exists); memory is ready at once. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

function limiterFactory(config: OpsbookConfig, log: (m: string) => void): LimiterFactory {
  const duration = config.limits.httpWindowSeconds;
  const audit = config.audit;
  if (audit.store !== 'postgres') {
    return { make: (keyPrefix, points) => new RateLimiterMemory({ keyPrefix, points, duration }), ready: async () => undefined, close: async () => undefined };
  }
  const pool = new pg.Pool({ connectionString: audit.url, max: 2 });
  // A pool error (PostgreSQL restarting) must not crash the process; the limiter falls back below.
  pool.on('error', () => undefined);
  const created: Promise<void>[] = [];
  return {
    make(keyPrefix, points) {
      let done!: () => void;
      created.push(new Promise<void>((resolve) => (done = resolve)));
      // One table per limiter: concurrent CREATE TABLE IF NOT EXISTS of one table can fail in PostgreSQL.
      return new RateLimiterPostgres({
        storeClient: pool, storeType: 'pool', schemaName: audit.schema, tableName: `rate_limit_${keyPrefix}`, keyPrefix, points, duration,
        // While PostgreSQL is unreachable each instance still limits on its own rather than not at all.
        insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
      }, (error?: Error) => {
        if (error) log(`rate limits: could not create ${audit.schema}.rate_limit_${keyPrefix} (${error.message}); limiting per instance until a restart.`);
        done();
      });
    },
    ready: async () => void (await Promise.all(created)),
    close: () => pool.end(),
  };
}

function guard(limiter: RateLimiterAbstract, key: (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]) => string, what: string): RequestHandler {
  return (req, res, next) => {
    limiter.consume(key(req, res)).then(
      () => next(),
      (refusal: unknown) => {
        if (!(refusal instanceof RateLimiterRes)) return next(refusal);
        const seconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
        res.setHeader('Retry-After', String(seconds));
        next(new HttpError(429, 'rate_limited', `Too many ${what} (at most ${limiter.points} per ${limiter.duration} s); try again in ${seconds} s.`));
      },
    );
  };
}

const addressOf = (req: Parameters<RequestHandler>[0]) => req.socket.remoteAddress ?? 'unknown';
const exempt = (path: string) => path === '/health';

export function httpRateLimits(config: OpsbookConfig, log: (m: string) => void = () => undefined): HttpRateLimits {
  const factory = limiterFactory(config, log);
  const { httpRequestsPerWindow, httpExpensivePerWindow } = config.limits;
  const byAddress = guard(factory.make('http_ip', httpRequestsPerWindow), (req) => `ip:${addressOf(req)}`, 'requests from this address');
  const byUser = guard(factory.make('http_user', httpRequestsPerWindow), (_req, res) => `user:${(res.locals.identity as Identity).user}`, 'requests');
  const expensive = guard(factory.make('http_expensive', httpExpensivePerWindow), (_req, res) => `user:${(res.locals.identity as Identity).user}`, 'audit exports and approval requests');
  return {
    anonymous: (req, res, next, unauthenticated) => byAddress(req, res, (error?: unknown) => next(error ?? unauthenticated)),
    perUser: (req, res, next) => {
      if (exempt(req.path)) return next();
      byUser(req, res, (error?: unknown) => {
        if (error) return next(error);
        if (EXPENSIVE.some(([method, path]) => req.method === method && path.test(req.path))) return expensive(req, res, next);
        next();
      });
    },
    ready: () => factory.ready(),
    close: () => factory.close(),
  };
}
