/**
 * Identity from an SSO proxy (oauth2-proxy style): user and groups in headers, believed only when the
 * request comes from a configured proxy address. Anything else is 401.
 */
import { BlockList, isIPv4 } from 'node:net';
import type { AuthConfig } from '../config';
import { canonicalUser, type Identity } from '../identity';
import { rolesFor } from './roles';
import { AuthError, type Authenticator } from './types';

type ProxyConfig = Extract<AuthConfig, { mode: 'proxy' }>;

export function proxyAuthenticator(config: ProxyConfig): Authenticator {
  const trusted = new BlockList();
  for (const cidr of config.trustedProxies) {
    const [address, bits] = cidr.split('/') as [string, string];
    trusted.addSubnet(address, Number(bits), isIPv4(address) ? 'ipv4' : 'ipv6');
  }
  const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
  return {
    mode: 'proxy',
    async authenticate(req): Promise<Identity> {
      const remote = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
      const family = isIPv4(remote) ? 'ipv4' : 'ipv6';
      if (!remote || !trusted.check(remote, family)) {
        throw new AuthError(`Requests must come through the SSO proxy; ${remote || 'this address'} is not a trusted proxy.`);
      }
      const asSent = header(req.headers[config.userHeader.toLowerCase()]);
      const user = canonicalUser(asSent);
      if (!user) throw new AuthError(`The SSO proxy sent no ${config.userHeader} header.`);
      const groups = header(req.headers[config.groupsHeader.toLowerCase()]).split(/[,\s]+/).filter(Boolean);
      const displayName = header(req.headers[config.nameHeader.toLowerCase()]) || asSent;
      return { user, displayName, roles: rolesFor(groups, config.roleMap), groups };
    },
  };
}
