/**
 * GET /api/checks?env=E&date=YYYY-MM-DD as the Health page reads it: the shapes are the server's
 * (server/checks/api.ts), named here as the page speaks of them.
 */
import type { CheckEntry, CheckStatus, ChecksResponse } from '@site/server/checks/api';

export type HealthStatus = CheckStatus;
export type HealthCheck = CheckEntry;
export type { ChecksResponse };
