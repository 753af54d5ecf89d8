/**
 * Puts operations into the app (issue 12) with as little as possible in app.ts: the store beside the audit
 * (same state store, same engine), the live feed, the service the runner and the approval routes record
 * through, and the HTTP routes. A state store without SQL (hand-written test stores) has no operations:
 * the routes say so, and runs are not recorded anywhere but the audit.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Router } from 'express';
import type { StateStore } from '../audit/types';
import type { Authenticator } from '../auth/types';
import type { OpsbookConfig } from '../config';
import type { AuditSink } from '../execution/audit';
import type { ManifestStore } from '../execution/manifestStore';
import { HttpError } from '../http/errors';
import type { ApiDeps } from '../http/routes';
import { signingKeyFrom, type SigningKey } from './export/signing';
import { InProcessOperationFeed, type OperationFeed } from './feed';
import { operationsRouter } from './routes';
import { createOperationService, type OperationService } from './service';
import { deferredOperationStore, openOperationStore } from './store';

export interface OperationsWiring {
  readonly service: OperationService | null;
  readonly feed: OperationFeed;
  readonly router: Router;
  readonly apiHooks: Pick<ApiDeps, 'onApprovalInOperation'>;
}

export function wireOperations(deps: {
  readonly config: OpsbookConfig;
  readonly store: StateStore;
  readonly audit: AuditSink;
  readonly manifest: ManifestStore;
  readonly authenticator: Authenticator;
  readonly now: () => Date;
  readonly log: (message: string) => void;
  readonly operationFeed?: OperationFeed;
  readonly operationsKey?: SigningKey;
}): OperationsWiring {
  const feed = deps.operationFeed ?? new InProcessOperationFeed(deps.log);
  if (!deps.store.sql) {
    const router = Router();
    router.use('/operations', () => {
      throw new HttpError(503, 'unavailable', 'This server keeps no operations: its state store has no SQL tables.');
    });
    return { service: null, feed, router, apiHooks: {} };
  }
  const opening = openOperationStore(deps.store.sql);
  opening.catch((error: unknown) => deps.log(`operations: could not create their tables: ${(error as Error).message}`));
  const service = createOperationService({
    config: deps.config, store: deferredOperationStore(opening), feed, audit: deps.audit, now: deps.now, log: deps.log,
    knownUsers: () => (deps.authenticator.demoUsers ?? []).map((u) => ({ user: u.user, displayName: u.displayName })),
  });
  const key = deps.operationsKey ?? (deps.config.operations.signingKey ? signingKeyFrom(deps.config.operations.signingKey) : ephemeralKey());
  const publicUrl = deps.config.notifications.publicUrl;
  const router = operationsRouter({ operations: service, manifest: deps.manifest, key, now: deps.now, ...(publicUrl ? { publicUrl } : {}) });
  return { service, feed, router, apiHooks: { onApprovalInOperation: (identity, id, approval) => service.approvalRequested(identity, id, approval) } };
}

/** Tests and API-only runs without a kept key: exports verify against this process only. */
function ephemeralKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return signingKeyFrom(String(privateKey.export({ type: 'pkcs8', format: 'pem' })));
}
