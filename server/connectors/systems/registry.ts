/**
 * Every system by its block language and by its connection kind. The runner, --check-config and the
 * approvals look systems up here; a new system adds one line.
 */
import type { SystemEntry } from './types';
import { S3_SYSTEM } from './s3/index';
import { DBT_CLOUD_SYSTEM } from './dbtCloud/index';
import { PAGERDUTY_SYSTEM } from './pagerduty/index';
import { TABLEAU_SYSTEM } from './tableau/index';
import { SLACK_SYSTEM } from './slack/index';
import { DATABRICKS_PIPELINES_SYSTEM } from '../databricks/pipelines/index';

const SYSTEMS: readonly SystemEntry[] = [S3_SYSTEM, DBT_CLOUD_SYSTEM, PAGERDUTY_SYSTEM, TABLEAU_SYSTEM, SLACK_SYSTEM, DATABRICKS_PIPELINES_SYSTEM];

export function systemForLang(lang: string): SystemEntry | null {
  return SYSTEMS.find((s) => s.grammar.lang === lang) ?? null;
}

export function systemForKind(kind: string): SystemEntry | null {
  return SYSTEMS.find((s) => s.kind === kind) ?? null;
}

/**
 * Connection kinds that are systems (not SQL engines), for the SQL registry's refusal. `databricks` is both: its
 * connection serves sql blocks (the SQL warehouse) and databricks blocks (DLT pipelines).
 */
export const SYSTEM_KINDS: ReadonlySet<string> = new Set(SYSTEMS.map((s) => s.kind));
