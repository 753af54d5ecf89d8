/**
 * A bearer JWT from the organisation's identity provider, verified with jose against the issuer's JWKS:
 * signature, issuer, audience, expiry and not-before with a clock tolerance; roles from a claim through the
 * role map. Browsers cannot set headers on a WebSocket, so the upgrade also accepts the token in the
 * `opsbook_token` cookie.
 */
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { AuthConfig } from '../config';
import type { Identity } from '../identity';
import { rolesFor } from './roles';
import { AuthError, cookieValue, type Authenticator } from './types';

type OidcConfig = Extract<AuthConfig, { mode: 'oidc' }>;

export const TOKEN_COOKIE = 'opsbook_token';

export function oidcAuthenticator(config: OidcConfig): Authenticator {
  const jwks = createRemoteJWKSet(new URL(config.jwksUrl ?? `${config.issuer.replace(/\/$/, '')}/.well-known/jwks.json`), {
    timeoutDuration: 5000,
    cooldownDuration: 30_000,
  });
  return {
    mode: 'oidc',
    async authenticate(req): Promise<Identity> {
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : cookieValue(req, TOKEN_COOKIE);
      if (!token) throw new AuthError('Sign in first: no bearer token was sent.');
      try {
        const { payload } = await jwtVerify(token, jwks, {
          issuer: config.issuer,
          audience: config.audience,
          clockTolerance: config.clockToleranceSeconds,
          requiredClaims: ['sub', 'exp'],
        });
        const claim = payload[config.rolesClaim];
        const groups = Array.isArray(claim) ? claim.map(String) : typeof claim === 'string' ? claim.split(/[,\s]+/).filter(Boolean) : [];
        const name = payload[config.nameClaim];
        // The socket keeps this identity only until the token expires (app.ts closes it, the run path refuses).
        const expiresAt = (payload.exp! + config.clockToleranceSeconds) * 1000;
        // `sub` is case-sensitive by the OIDC spec: kept as issued (canonicalising applies to proxy names).
        return { user: String(payload.sub), displayName: typeof name === 'string' ? name : String(payload.sub), roles: rolesFor(groups, config.roleMap), groups, expiresAt };
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw new AuthError('Your session token has expired; sign in again.');
        if (error instanceof errors.JWTClaimValidationFailed) throw new AuthError(`The token was refused: ${error.message}.`);
        if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
          throw new AuthError('The token was not signed by the configured issuer.');
        }
        throw new AuthError(`The token could not be verified (${(error as Error).message}).`);
      }
    },
  };
}
