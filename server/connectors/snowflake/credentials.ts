/**
 * A configured profile as driver connection options. Key files are read and checked once, when the
 * connection opens, so a wrong path or passphrase is reported by name instead of as a login failure on
 * every run. Nothing here puts a secret into a message.
 */
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConnectorError } from '../types';
import type { SnowflakeConnectionConfig, SnowflakeProfileConfig } from './config';
import type { SfConnectionOptions } from './driver';

export type ProfileName = 'read' | 'write';

/** The name the session shows in Snowflake's login and query history (CLIENT_ENVIRONMENT.APPLICATION). */
const APPLICATION = 'Opsbook';
const ROWS_BUFFERED = 2048;

export async function driverOptions(
  connection: SnowflakeConnectionConfig,
  profile: SnowflakeProfileConfig,
  name: ProfileName,
  baseDir: string,
): Promise<SfConnectionOptions> {
  const common = {
    account: connection.account,
    ...(connection.accessUrl ? { accessUrl: connection.accessUrl.replace(/\/+$/, '') } : {}),
    username: profile.user,
    role: profile.role,
    warehouse: connection.warehouse,
    database: connection.database,
    ...(connection.schema ? { schema: connection.schema } : {}),
    application: APPLICATION,
    representNullAsStringNull: false as const,
    rowStreamHighWaterMark: ROWS_BUFFERED,
    sfRetryMaxLoginRetries: 0,
    timeout: 60_000,
  };
  if (profile.password !== undefined) return { ...common, password: profile.password };
  const pem = await privateKeyPem(profile, name, baseDir);
  return {
    ...common,
    authenticator: 'SNOWFLAKE_JWT',
    privateKey: pem,
    ...(profile.privateKeyPassphrase ? { privateKeyPass: profile.privateKeyPassphrase } : {}),
  };
}

async function privateKeyPem(profile: SnowflakeProfileConfig, name: ProfileName, baseDir: string): Promise<string> {
  let pem = profile.privateKey;
  const where = profile.privateKeyPath ? `the private key file of the ${name} profile (${profile.privateKeyPath})` : `the privateKey of the ${name} profile`;
  if (profile.privateKeyPath) {
    try {
      pem = await fs.readFile(path.resolve(baseDir, profile.privateKeyPath), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new ConnectorError('unavailable', `Cannot read ${where}: ${code}.`, 'Check privateKeyPath (relative paths start at the site directory) and that the server may read the file.');
    }
  }
  try {
    createPrivateKey({ key: pem ?? '', format: 'pem', ...(profile.privateKeyPassphrase ? { passphrase: profile.privateKeyPassphrase } : {}) });
  } catch (error) {
    // OpenSSL's reason ("bad decrypt", "unsupported") names the problem without quoting the key.
    const reason = (error as Error).message.split('\n')[0];
    throw new ConnectorError(
      'unavailable',
      `${where[0]!.toUpperCase()}${where.slice(1)} is not a usable PEM private key: ${reason}.`,
      profile.privateKeyPassphrase ? 'Check privateKeyPassphrase, and that the file is the PKCS#8 key whose public half is set on the Snowflake user.' : 'An encrypted key needs privateKeyPassphrase; the key must be PEM (PKCS#8 or PKCS#1).',
    );
  }
  return pem!;
}
