/**
 * The fake's logins and sessions: password and key-pair (JWT, RS256) authentication as the driver
 * performs them, session and master tokens, token renewal, logout, and — for tests — expiring every
 * session at once the way an idle timeout or a server-side logout would.
 */
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { failures, type SfFailure } from './errors';

export interface FakeUser {
  readonly name: string;
  readonly password?: string;
  /** PEM public key (the user's RSA_PUBLIC_KEY) for key-pair login. */
  readonly publicKey?: string;
  /** Roles granted to the user; the first is its default role. */
  readonly roles: readonly string[];
}

export interface FakeSession {
  readonly id: number;
  readonly user: string;
  token: string;
  readonly masterToken: string;
  role: string;
  warehouse: string | null;
  database: string | null;
  schema: string | null;
  /** Session parameters set by ALTER SESSION, upper-case names. */
  readonly params: Map<string, string | number | boolean>;
}

export interface LoginBody {
  readonly data?: {
    readonly ACCOUNT_NAME?: string;
    readonly LOGIN_NAME?: string;
    readonly PASSWORD?: string;
    readonly AUTHENTICATOR?: string;
    readonly TOKEN?: string;
  };
}

export class FakeSessions {
  private readonly byToken = new Map<string, FakeSession>();
  private readonly byMaster = new Map<string, FakeSession>();
  private nextId = 1;

  constructor(
    private readonly account: string,
    private readonly users: readonly FakeUser[],
  ) {}

  login(body: LoginBody, query: URLSearchParams): FakeSession | SfFailure {
    const data = body.data ?? {};
    if ((data.ACCOUNT_NAME ?? '').toUpperCase() !== this.account.toUpperCase()) return failures.wrongAccount();
    const user = this.users.find((u) => u.name.toUpperCase() === (data.LOGIN_NAME ?? '').toUpperCase());
    if (!user) return failures.badCredentials();
    if (data.AUTHENTICATOR === 'SNOWFLAKE_JWT') {
      if (!user.publicKey || !validJwt(data.TOKEN ?? '', this.account, user)) return failures.badJwt();
    } else if (user.password === undefined || data.PASSWORD !== user.password) {
      return failures.badCredentials();
    }
    const role = query.get('roleName') ?? user.roles[0] ?? 'PUBLIC';
    if (!user.roles.some((r) => r.toUpperCase() === role.toUpperCase())) return failures.roleNotGranted(role);
    const session: FakeSession = {
      id: this.nextId++,
      user: user.name.toUpperCase(),
      token: token('ses'),
      masterToken: token('mst'),
      role: role.toUpperCase(),
      warehouse: query.get('warehouse')?.toUpperCase() ?? null,
      database: query.get('databaseName')?.toUpperCase() ?? null,
      schema: query.get('schemaName')?.toUpperCase() ?? 'PUBLIC',
      params: new Map(),
    };
    this.byToken.set(session.token, session);
    this.byMaster.set(session.masterToken, session);
    return session;
  }

  /** The session named by an `Authorization: Snowflake Token="…"` header. */
  fromHeader(header: string | undefined): FakeSession | null {
    const t = /Snowflake Token="([^"]+)"/.exec(header ?? '')?.[1];
    return t ? (this.byToken.get(t) ?? null) : null;
  }

  renew(masterHeader: string | undefined): FakeSession | null {
    const t = /Snowflake Token="([^"]+)"/.exec(masterHeader ?? '')?.[1];
    const session = t ? this.byMaster.get(t) : undefined;
    if (!session) return null;
    this.byToken.delete(session.token);
    session.token = token('ses');
    this.byToken.set(session.token, session);
    return session;
  }

  logout(session: FakeSession): void {
    this.byToken.delete(session.token);
    this.byMaster.delete(session.masterToken);
  }

  expireAll(): void {
    this.byToken.clear();
    this.byMaster.clear();
  }

  get active(): number {
    return this.byToken.size;
  }
}

function token(prefix: string): string {
  return `${prefix}-${randomBytes(18).toString('base64url')}`;
}

/**
 * The driver signs `{iss: ACCOUNT.USER.SHA256:<fingerprint>, sub: ACCOUNT.USER, iat, exp}` with the
 * private key; Snowflake checks the signature against the user's public key and the fingerprint.
 */
function validJwt(jwt: string, account: string, user: FakeUser): boolean {
  const [header, payload, signature] = jwt.split('.');
  if (!header || !payload || !signature) return false;
  try {
    const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { iss?: string; sub?: string; exp?: number };
    if (head.alg !== 'RS256') return false;
    const key = createPublicKey(user.publicKey!);
    const fingerprint = `SHA256:${createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64')}`;
    const who = `${account.toUpperCase()}.${user.name.toUpperCase()}`;
    if (claims.sub !== who || claims.iss !== `${who}.${fingerprint}`) return false;
    // snowflake-sdk 3.3 writes iat/exp in milliseconds; accept either unit.
    const exp = (claims.exp ?? 0) > 1e12 ? (claims.exp ?? 0) : (claims.exp ?? 0) * 1000;
    if (exp < Date.now()) return false;
    return verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
