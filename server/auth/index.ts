import type { AuthConfig } from '../config';
import { demoAuthenticator } from './demo';
import { oidcAuthenticator } from './oidc';
import { proxyAuthenticator } from './proxy';
import type { Authenticator } from './types';

export function createAuthenticator(config: AuthConfig): Authenticator {
  switch (config.mode) {
    case 'demo':
      return demoAuthenticator();
    case 'proxy':
      return proxyAuthenticator(config);
    case 'oidc':
      return oidcAuthenticator(config);
  }
}

export { AuthError, type Authenticator } from './types';
