/**
 * The sandbox's authentication, as the two Airflows do it: `POST /auth/token` (Airflow 3's simple auth
 * manager) issues a short-lived HS256 JWT for /api/v2; /api/v1 takes basic auth. The credentials are
 * made up per process and handed to the in-process client only: nobody else can drive the sandbox.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type Request, type RequestHandler, type Router } from 'express';
import { jwtVerify, SignJWT } from 'jose';

export interface SandboxCredentials {
  readonly username: string;
  readonly password: string;
}

export interface SandboxAuth {
  readonly credentials: SandboxCredentials;
  readonly tokenRouter: Router;
  readonly bearer: RequestHandler;
  readonly basic: RequestHandler;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createSandboxAuth(options: { tokenTtlSeconds: number }): SandboxAuth {
  const credentials = { username: 'opsbook', password: randomBytes(18).toString('base64url') };
  const key = randomBytes(32);
  const valid = (u: unknown, p: unknown) => typeof u === 'string' && typeof p === 'string' && same(u, credentials.username) && same(p, credentials.password);

  const tokenRouter = express.Router();
  tokenRouter.post('/auth/token', express.json({ limit: '16kb' }), express.urlencoded({ extended: false, limit: '16kb' }), (req, res) => {
    const type = String(req.headers['content-type'] ?? 'application/json');
    if (!/application\/json|application\/x-www-form-urlencoded/.test(type)) return void res.status(415).json({ detail: 'Unsupported Media Type' });
    const body = (req.body ?? {}) as Record<string, unknown>;
    const missing = ['username', 'password'].filter((k) => typeof body[k] !== 'string');
    if (missing.length) {
      return void res.status(422).json({ detail: missing.map((k) => ({ type: 'missing', loc: ['body', k], msg: 'Field required', input: null })) });
    }
    if (!valid(body.username, body.password)) return void res.status(401).json({ detail: 'Invalid credentials' });
    void new SignJWT({ role: 'ADMIN' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(credentials.username)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + options.tokenTtlSeconds)
      .sign(key)
      .then((token) => res.status(201).json({ access_token: token }));
  });

  const bearer: RequestHandler = (req, res, next) => {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) return void res.status(401).json({ detail: 'Not authenticated' });
    jwtVerify(header.slice(7), key, { algorithms: ['HS256'] }).then(
      () => next(),
      () => res.status(401).json({ detail: 'Invalid JWT token' }),
    );
  };

  const basic: RequestHandler = (req: Request, res, next) => {
    const header = req.headers.authorization ?? '';
    const decoded = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : '';
    const at = decoded.indexOf(':');
    if (at > 0 && valid(decoded.slice(0, at), decoded.slice(at + 1))) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="Airflow sandbox"');
    res.status(401).json({ type: 'https://airflow.apache.org/docs/apache-airflow/2.10.0/stable-rest-api-ref.html#section/Errors/Unauthenticated', title: 'Unauthorized', status: 401, detail: 'Invalid credentials, or basic auth not given' });
  };

  return { credentials, tokenRouter, bearer, basic };
}
