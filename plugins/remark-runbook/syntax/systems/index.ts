/**
 * Every command-style block kind by its fence language. Adding a system is adding its grammar here and its
 * connector under server/connectors/systems (DESIGN.md "Command blocks"); extract.ts, the linter, the
 * server and the page find it through this table, never through a list of languages of their own.
 */
import type { SystemGrammar } from './grammar';
import { S3_GRAMMAR } from './s3';
import { DBT_CLOUD_GRAMMAR } from './dbtCloud';
import { PAGERDUTY_GRAMMAR } from './pagerduty';
import { TABLEAU_GRAMMAR } from './tableau';
import { SLACK_GRAMMAR } from './slack';
import { DATABRICKS_GRAMMAR } from './databricks';

export const SYSTEM_GRAMMARS: Readonly<Record<string, SystemGrammar>> = {
  [S3_GRAMMAR.lang]: S3_GRAMMAR,
  [DBT_CLOUD_GRAMMAR.lang]: DBT_CLOUD_GRAMMAR,
  [PAGERDUTY_GRAMMAR.lang]: PAGERDUTY_GRAMMAR,
  [TABLEAU_GRAMMAR.lang]: TABLEAU_GRAMMAR,
  [SLACK_GRAMMAR.lang]: SLACK_GRAMMAR,
  [DATABRICKS_GRAMMAR.lang]: DATABRICKS_GRAMMAR,
};

export function systemGrammar(lang: string | null | undefined): SystemGrammar | null {
  return lang && Object.hasOwn(SYSTEM_GRAMMARS, lang) ? SYSTEM_GRAMMARS[lang]! : null;
}
