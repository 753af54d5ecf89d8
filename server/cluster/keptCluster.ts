/**
 * Wiring kept results into a cluster (issue 14): every result this instance keeps is announced in the shared
 * directory with this instance's internal address, and reads for results other instances keep are forwarded
 * with a key derived from the cluster's shared secret.
 */
import type http from 'node:http';
import os from 'node:os';
import type { StateSql } from '../audit/types';
import { livenessTiming } from '../audit/liveness';
import type { KeptResults } from '../results/keptResults';
import { sqlKeptDirectory } from './keptDirectory';
import { forwardKey } from './keptForward';
import type { KeptCluster } from '../http/keptResults';

/**
 * The address other instances use: OPSBOOK_INTERNAL_URL when given; else the address the server listens on,
 * or this host's name when it listens on every interface (another machine cannot reach "0.0.0.0").
 */
export function internalAddress(configured: string | undefined, server: http.Server | null): string {
  if (configured) return configured;
  const address = server?.address();
  if (!address || typeof address === 'string') throw new Error('the server is not listening yet; its internal address is unknown');
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? os.hostname() : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export function keptResultsCluster(o: {
  readonly sql: StateSql;
  readonly results: KeptResults;
  readonly instance: string;
  readonly internalUrl: string | undefined;
  readonly server: () => http.Server | null;
  readonly sharedSecret: string;
  readonly log: (message: string) => void;
}): KeptCluster {
  const directory = sqlKeptDirectory({
    exec: o.sql.exec,
    prefix: o.sql.prefix,
    instance: o.instance,
    address: () => internalAddress(o.internalUrl, o.server()),
    staleAfterMs: livenessTiming(process.env).staleAfterMs,
  });
  // A result the directory does not know is still read on this instance; only other instances miss it.
  o.results.onKept((kept) =>
    directory.announce(kept).catch((error: unknown) =>
      o.log(`kept results: could not record where ${kept.runId}'s result is kept (${(error as Error).message}); only this instance can answer for it.`),
    ),
  );
  return { directory, instance: o.instance, key: forwardKey(o.sharedSecret), now: Date.now };
}
